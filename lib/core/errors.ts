/**
 * Every error cacheflight throws is a {@link CacheflightError} with a stable `code`, so callers
 * can branch on `err.code` instead of parsing messages.
 */
import { brandPrototype, ERROR_BRAND, hasBrand } from './brands.js';

/** The stable codes of every error cacheflight throws. */
export type CacheflightErrorCode =
  | 'E_INVALID_OPTION'
  | 'E_INVALID_TTL'
  | 'E_CACHE_KEY'
  | 'E_NAMESPACE_CONFLICT'
  | 'E_DECORATOR_TARGET'
  | 'E_NO_CACHE_REGISTERED'
  | 'E_UNKNOWN_METHOD'
  | 'E_CACHE_CLOSED'
  | 'E_BACKEND'
  | 'E_TIMEOUT'
  | 'E_DECODE'
  | 'E_MISSING_DEPENDENCY';

/**
 * Base class of every error cacheflight throws. `instanceof` also recognises the errors of the
 * package's other build (ESM or CommonJS, when an application loads both): by their brand for
 * `CacheflightError`, and by their `code` for each subclass.
 */
export class CacheflightError extends Error {
  static {
    brandPrototype(this.prototype, ERROR_BRAND);
    // Defined rather than declared: TypeScript keeps narrowing `instanceof` as it always does.
    Object.defineProperty(this, Symbol.hasInstance, { value: isInstance });
  }

  /** Stable machine-readable code; never changes between releases. */
  readonly code: CacheflightErrorCode;

  /**
   * @param code - the stable code
   * @param message - what happened and what to do about it
   * @param options - the underlying cause, when there is one
   */
  constructor(code: CacheflightErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option given to `createCache`, a store or a decorator is invalid. */
export class InvalidOptionError extends CacheflightError {
  /** @param message - which option, what was given, what is accepted */
  constructor(message: string) {
    super('E_INVALID_OPTION', message);
  }
}

/** A TTL is negative, NaN, or a string that does not parse. */
export class InvalidTtlError extends CacheflightError {
  /** @param message - the TTL given and the forms accepted */
  constructor(message: string) {
    super('E_INVALID_TTL', message);
  }
}

/** A method's arguments cannot be turned into a cache key (a function, a symbol, a cycle...). */
export class CacheKeyError extends CacheflightError {
  /** Zero-based position of the offending argument, when known. */
  readonly argumentIndex: number | undefined;

  /**
   * @param message - what could not be encoded and how to fix it
   * @param argumentIndex - zero-based position of the offending argument
   */
  constructor(message: string, argumentIndex?: number) {
    super('E_CACHE_KEY', message);
    this.argumentIndex = argumentIndex;
  }
}

/** Two different methods or classes would write to the same namespace. */
export class NamespaceConflictError extends CacheflightError {
  /** @param message - both claimants and how to separate them */
  constructor(message: string) {
    super('E_NAMESPACE_CONFLICT', message);
  }
}

/** A cacheflight decorator was put on something other than a method. */
export class DecoratorTargetError extends CacheflightError {
  /** @param message - what was decorated and what is supported */
  constructor(message: string) {
    super('E_DECORATOR_TARGET', message);
  }
}

/** A decorated method ran before `registerCache` registered the cache it needs. */
export class NoCacheRegisteredError extends CacheflightError {
  /** @param message - which cache was looked up */
  constructor(message: string) {
    super('E_NO_CACHE_REGISTERED', message);
  }
}

/** `@CacheEvict` / `@CachePut` names a method that is not a `@Cacheable` method of the class. */
export class UnknownMethodError extends CacheflightError {
  /** @param message - the method named and where it was looked up */
  constructor(message: string) {
    super('E_UNKNOWN_METHOD', message);
  }
}

/** The cache was closed; it accepts no more operations. */
export class CacheClosedError extends CacheflightError {
  /** @param message - which cache */
  constructor(message: string) {
    super('E_CACHE_CLOSED', message);
  }
}

/** The store (Redis, ...) failed. Only surfaces to callers when the cache is `required`. */
export class BackendError extends CacheflightError {
  /**
   * @param message - the operation and the store
   * @param cause - the store's own error
   */
  constructor(message: string, cause?: unknown) {
    super('E_BACKEND', message, { cause });
  }
}

/** A store operation took longer than the configured timeout. */
export class TimeoutError extends CacheflightError {
  /** @param message - the operation and the timeout */
  constructor(message: string) {
    super('E_TIMEOUT', message);
  }
}

/** A stored payload could not be decoded (garbage, another program's value, an old format). */
export class DecodeError extends CacheflightError {
  /**
   * @param message - the key and why it did not decode
   * @param cause - the decoder's own error
   */
  constructor(message: string, cause?: unknown) {
    super('E_DECODE', message, { cause });
  }
}

/** An optional peer dependency (such as `ioredis`) is needed but not installed, or cannot be loaded. */
export class MissingDependencyError extends CacheflightError {
  /**
   * @param message - the package, what went wrong and the command that fixes it
   * @param cause - what loading it threw
   */
  constructor(message: string, cause?: unknown) {
    super('E_MISSING_DEPENDENCY', message, cause === undefined ? undefined : { cause });
  }
}

/** The code of each class above: what an error of the other build must carry to be an instance. */
const CODE_OF: ReadonlyMap<Function, CacheflightErrorCode> = new Map<Function, CacheflightErrorCode>([
  [InvalidOptionError, 'E_INVALID_OPTION'],
  [InvalidTtlError, 'E_INVALID_TTL'],
  [CacheKeyError, 'E_CACHE_KEY'],
  [NamespaceConflictError, 'E_NAMESPACE_CONFLICT'],
  [DecoratorTargetError, 'E_DECORATOR_TARGET'],
  [NoCacheRegisteredError, 'E_NO_CACHE_REGISTERED'],
  [UnknownMethodError, 'E_UNKNOWN_METHOD'],
  [CacheClosedError, 'E_CACHE_CLOSED'],
  [BackendError, 'E_BACKEND'],
  [TimeoutError, 'E_TIMEOUT'],
  [DecodeError, 'E_DECODE'],
  [MissingDependencyError, 'E_MISSING_DEPENDENCY'],
]);

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/** `Symbol.hasInstance` of every cacheflight error class (`this`: the class right of `instanceof`). */
function isInstance(this: Function, value: unknown): boolean {
  if (ordinaryInstanceOf.call(this, value)) return true;
  if (!hasBrand(value, ERROR_BRAND)) return false;
  if (this === CacheflightError) return true;
  const code = CODE_OF.get(this);
  return code !== undefined && (value as CacheflightError).code === code;
}
