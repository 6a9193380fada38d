import { InvalidOptionError } from '../core/errors.js';
import { definitionOf, requireMethod, type CacheableDefinition } from './cacheable-definition.js';
import type { MethodSite } from './method-site.js';
import { checkFunction, checkNamespace, checkString } from './options-validation.js';

/**
 * Which entry `@CacheEvict` / `@CachePut` address: a `@Cacheable` method of the same class by
 * name (its key derived by the very code that derives the read's key), or an explicit namespace.
 */
export interface TargetOptions<Args extends unknown[], Method extends string = string> {
  /**
   * A `@Cacheable` method of the same class (static methods name static methods). A name the
   * class lacks is a type error, and an `UnknownMethodError` before any call runs the method.
   */
  readonly method?: Method;
  /** The arguments of `method` whose entry is meant, from this method's arguments. Default: the same arguments. */
  readonly args?: (...args: Args) => readonly unknown[];
  /** The entry's key, as the target's `key` function would give it (instead of `args`). */
  readonly key?: (...args: Args) => string | number;
  /** The target namespace, when not naming a `method`. */
  readonly namespace?: string;
}

/** Resolves the target entry of a call; built once per decorated method. */
export class TargetEntry {
  private readonly method: string | undefined;
  private readonly namespace: string | undefined;
  private readonly args: ((...args: unknown[]) => readonly unknown[]) | undefined;
  private readonly key: ((...args: unknown[]) => unknown) | undefined;

  /**
   * @param decorator - `CacheEvict` or `CachePut`, for messages
   * @param options - the decorator's target options
   */
  constructor(
    private readonly decorator: string,
    options: TargetOptions<never[]>,
  ) {
    checkString(decorator, 'method', options.method);
    checkFunction(decorator, 'args', options.args);
    checkFunction(decorator, 'key', options.key);
    this.method = options.method;
    this.namespace = checkNamespace(decorator, options.namespace);
    this.args = options.args as typeof this.args;
    this.key = options.key as typeof this.key;
    if (this.method !== undefined && this.namespace !== undefined) {
      throw new InvalidOptionError(`@${decorator} takes either 'method' or 'namespace', not both: the method already has a namespace.`);
    }
    if (this.args !== undefined && this.key !== undefined) {
      throw new InvalidOptionError(`@${decorator} takes either 'args' or 'key', not both.`);
    }
    if (this.namespace !== undefined && this.args !== undefined) {
      throw new InvalidOptionError(`@${decorator} 'args' needs 'method' (the arguments are encoded the way that method encodes them); with 'namespace', give 'key'.`);
    }
  }

  /** Whether the options name an entry family (a method or a namespace). */
  get hasTarget(): boolean {
    return this.method !== undefined || this.namespace !== undefined;
  }

  /** Whether the options say which single entry is meant (args or key, or a method's own args). */
  get hasEntrySelector(): boolean {
    return this.args !== undefined || this.key !== undefined || this.method !== undefined;
  }

  /**
   * Legacy mode, when the class is defined: the named method must exist on `holder` (the
   * prototype, or the class for static methods), so a misspelt name fails before any call.
   */
  requireMethodOn(holder: object, label: string): void {
    if (this.method !== undefined) requireMethod(holder, this.method, `@${this.decorator} on ${label}`);
  }

  /** The `@Cacheable` definition of the target method on `self`, if a method is named. */
  definition(self: unknown, label: string): CacheableDefinition | undefined {
    return this.method === undefined ? undefined : definitionOf(self, this.method, `@${this.decorator} on ${label}`);
  }

  /** The target namespace for a call on `self`. */
  namespaceFor(self: unknown, label: string): string {
    return this.definition(self, label)?.namespaceFor(self) ?? (this.namespace as string);
  }

  /** The target's arguments for a call with `args` (for its key and its policy functions). */
  targetArgs(args: readonly unknown[]): readonly unknown[] {
    return this.args === undefined ? args : this.args(...args);
  }

  /** The full key of the target entry for a call on `self` with `args`. */
  keyFor(self: unknown, args: readonly unknown[], label: string): string {
    const definition = this.definition(self, label);
    if (this.key !== undefined) {
      const id = this.key(...args);
      if (definition !== undefined) return definition.keyForId(self, id);
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new InvalidOptionError(`The key function of @${this.decorator} on ${label} returned ${typeof id}; it must return a string or number.`);
      }
      return `${this.namespace as string}:k${String(id)}`;
    }
    return (definition as CacheableDefinition).keyFor(self, this.targetArgs(args));
  }
}

/**
 * The `Class.method` label of a decorated writer (`@CacheEvict`, `@CachePut`) for messages, and
 * the early checks of its target: in legacy mode that the named method exists when the class is
 * defined (its methods are on the prototype by then); in standard mode that it is a `@Cacheable`
 * method when the first instance is built (or the class defined, for static methods), since
 * standard decorators learn the class only then. Each call checks again before the method runs.
 */
export class WriterSite {
  /** `Class.method`, or just `method` until the class is known. */
  label: string;
  /** Hook for `decorateMethod` (standard mode only). */
  readonly onInitialize: ((self: unknown) => void) | undefined;

  /**
   * @param site - the decorated method
   * @param targets - the entries it writes to (one per target method)
   */
  constructor(site: MethodSite, targets: readonly TargetEntry[]) {
    this.label = site.owner === undefined ? site.member : `${site.owner.name}.${site.member}`;
    if (site.owner !== undefined) for (const target of targets) target.requireMethodOn(site.isStatic ? site.owner : (site.owner.prototype as object), this.label);
    this.onInitialize =
      site.mode === 'standard'
        ? (self) => {
            const owner = typeof self === 'function' ? self : (self as { constructor: Function }).constructor;
            this.label = `${owner.name}.${site.member}`;
            for (const target of targets) target.definition(self, this.label);
          }
        : undefined;
  }
}
