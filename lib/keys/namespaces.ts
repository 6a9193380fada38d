import { InvalidOptionError, NamespaceConflictError } from '../core/errors.js';

/**
 * Where a class was defined, as far as its decoration's stack tells: its module file, and
 * whether the module's own top-level code defines it (not a function such as a class factory).
 */
export interface ClassOrigin {
  /** The module file (a path; no `?query` such as Vite's `?t=`). */
  readonly file: string;
  /** Whether the class is defined by the module's top-level code, run by a module loader. */
  readonly topLevel: boolean;
}

/**
 * Which class method owns each namespace, so that two different methods or classes never write
 * into the same entries by accident. Kept on `globalThis` (like the cache registry) so the ESM
 * and CommonJS builds agree. Owners are held weakly: a class that was garbage-collected
 * releases its namespaces.
 */
interface Claim {
  readonly owner: WeakRef<Function>;
  readonly member: string;
  readonly origin: ClassOrigin | undefined;
}

const CLAIMS_KEY = Symbol.for('cacheflight.namespaces');
const holder = globalThis as typeof globalThis & { [CLAIMS_KEY]?: Map<string, Claim> };
const claims: Map<string, Claim> = (holder[CLAIMS_KEY] ??= new Map());

/**
 * Record that `member` of class `owner` stores its entries under `namespace`.
 *
 * A class of the same name, defined by the top-level code of the same module file, claiming
 * the namespace for the same method is that module evaluated again (hot module replacement, a
 * test runner's `resetModules`): it takes the namespace over. The rule looks only at the two
 * classes, never at which came first, so every process agrees on it whatever its load order.
 *
 * @param origin - where `owner` was defined (`undefined`: unknown, so never a re-definition)
 * @throws NamespaceConflictError when another class or method already owns it
 */
export function claimNamespace(namespace: string, owner: Function, member: string, origin?: ClassOrigin): void {
  const existing = claims.get(namespace);
  if (existing !== undefined) {
    const previous = existing.owner.deref();
    if (previous === owner && existing.member === member) return;
    if (previous !== undefined && !isRedefinition(previous, existing, owner, member, origin)) {
      const before = `${previous.name || '(anonymous class)'}.${existing.member}`;
      const now = `${owner.name || '(anonymous class)'}.${member}`;
      const why = previous === owner ? 'two methods of one class' : `two different classes${whereFrom(existing.origin, origin)}`;
      throw new NamespaceConflictError(
        `Namespace '${namespace}' is already used by ${before}; ${now} would share its entries (${why}). ` +
          `Give one of them a distinct \`namespace\` option, e.g. @Cacheable({ namespace: '${namespace}-2' }).`,
      );
    }
  }
  claims.set(namespace, { owner: new WeakRef(owner), member, origin });
}

function isRedefinition(previous: Function, claim: Claim, owner: Function, member: string, origin: ClassOrigin | undefined): boolean {
  const before = claim.origin;
  return (
    previous !== owner &&
    previous.name === owner.name &&
    claim.member === member &&
    before !== undefined &&
    origin !== undefined &&
    before.topLevel &&
    origin.topLevel &&
    before.file === origin.file
  );
}

function whereFrom(before: ClassOrigin | undefined, now: ClassOrigin | undefined): string {
  if (before === undefined || now === undefined) return '';
  if (before.file !== now.file) return `, defined in ${before.file} and in ${now.file}`;
  return `, both made in ${now.file} by a function (a class factory or mixin), not by the module's top-level code`;
}

/**
 * Validate a namespace given as an option: a non-empty string without `:` (the separator of
 * namespace and key).
 */
export function validateNamespace(namespace: unknown, what: string): string {
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.includes(':')) {
    throw new InvalidOptionError(
      `${what} namespace must be a non-empty string without ':' (':' separates namespace and key); got ${JSON.stringify(namespace) ?? typeof namespace}.`,
    );
  }
  return namespace;
}

/** The namespace a method gets by default: `ClassName.method`, or `ClassName.static.method`. */
export function defaultNamespace(owner: Function, member: string, isStatic: boolean): string {
  const className = owner.name || 'AnonymousClass';
  return `${className}.${isStatic ? 'static.' : ''}${member}`.replaceAll(':', '_');
}
