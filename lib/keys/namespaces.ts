import { InvalidOptionError, NamespaceConflictError } from '../cache/errors.js';

/**
 * Which class method owns each namespace, so that two different methods or classes never write
 * into the same entries by accident. Kept on `globalThis` (like the cache registry) so the ESM
 * and CommonJS builds agree. Owners are held weakly: a class that was garbage-collected
 * releases its namespaces.
 */
interface Claim {
  readonly owner: WeakRef<Function>;
  readonly member: string;
}

const CLAIMS_KEY = Symbol.for('cacheflight.namespaces');
const holder = globalThis as typeof globalThis & { [CLAIMS_KEY]?: Map<string, Claim> };
const claims: Map<string, Claim> = (holder[CLAIMS_KEY] ??= new Map());

/**
 * Record that `member` of class `owner` stores its entries under `namespace`.
 *
 * @throws NamespaceConflictError when another class or method already owns it
 */
export function claimNamespace(namespace: string, owner: Function, member: string): void {
  const existing = claims.get(namespace);
  if (existing !== undefined) {
    const previous = existing.owner.deref();
    if (previous === owner && existing.member === member) return;
    if (previous !== undefined) {
      const before = `${previous.name || '(anonymous class)'}.${existing.member}`;
      const now = `${owner.name || '(anonymous class)'}.${member}`;
      const why = previous === owner ? 'two methods of one class' : 'two different classes';
      throw new NamespaceConflictError(
        `Namespace '${namespace}' is already used by ${before}; ${now} would share its entries (${why}). ` +
          `Give one of them a distinct \`namespace\` option, e.g. @Cacheable({ namespace: '${namespace}-2' }).`,
      );
    }
  }
  claims.set(namespace, { owner: new WeakRef(owner), member });
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
