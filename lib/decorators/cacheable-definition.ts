import { CacheKeyError, DecoratorTargetError, UnknownMethodError } from '../core/errors.js';
import type { LoadPolicy } from '../cache/load/policy.js';
import { customId } from '../keys/custom-id.js';
import { encodeArgs } from '../keys/encode-args.js';
import { instanceIdentity } from '../keys/instance-identity.js';
import { LastArgsMemo } from '../keys/last-args-memo.js';
import { claimNamespace, defaultNamespace, type ClassOrigin } from '../keys/namespaces.js';
import type { MethodSite } from './method-site.js';

/** How a `@Cacheable` method turns a call into a key; shared by `@CacheEvict` and `@CachePut`. */
export interface KeyRecipe {
  /** Replaces the derived key: a function of the arguments. */
  readonly key: ((...args: never[]) => string | number) | undefined;
  /** An explicit namespace, or `undefined` for `ClassName.method`. */
  readonly namespace: string | undefined;
  /** Adds the instance to the key: `true` for a process-local identity, or a function of it. */
  readonly perInstance: boolean | ((instance: never) => string) | undefined;
}

const definitions = new WeakMap<Function, CacheableDefinition>();

/**
 * Everything a `@Cacheable` method needs at call time: its namespace, how to derive keys, and
 * its load policy. The namespace needs the owning class: legacy decorators know it when they
 * run; standard decorators learn it when the first instance is constructed (or the class is
 * defined, for static methods), so conflicts are detected then.
 */
export class CacheableDefinition {
  /** `ClassName.method` once the owning class is known. */
  label: string;
  /** The resolved namespace, or `undefined` until the owning class is known. */
  namespace: string | undefined;
  private wrapper: Function | undefined;
  /** The last derived key, reused while calls repeat their arguments. */
  private readonly lastArgs = new LastArgsMemo();

  /**
   * @param site - the decorated method
   * @param recipe - key options of the decorator
   * @param policy - load policy of the decorator
   * @param origin - where the class is defined (tells a re-evaluated module from a conflict)
   */
  constructor(
    private readonly site: MethodSite,
    private readonly recipe: KeyRecipe,
    readonly policy: LoadPolicy,
    private readonly origin: ClassOrigin | undefined,
  ) {
    this.label = `${site.owner?.name ?? '?'}.${site.member}`;
    if (site.owner !== undefined) this.bindOwner(site.owner);
  }

  /** Attach the replacement method, so it can be found on the class and by `@CacheEvict`. */
  attach(wrapper: Function): void {
    this.wrapper = wrapper;
    definitions.set(wrapper, this);
  }

  /** Standard mode: learn the owning class from an instance (or the class, for static methods). */
  initialize(self: unknown): void {
    if (this.namespace === undefined) this.bindOwner(this.findOwner(self));
  }

  /** The full cache key (`namespace:id`) of a call with `args` on `self`. */
  keyFor(self: unknown, args: readonly unknown[]): string {
    return this.namespaceFor(self) + ':' + this.idFor(self, args);
  }

  /** The id, within the namespace, of a call with `args` on `self` (resolve the namespace first). */
  idFor(self: unknown, args: readonly unknown[]): string {
    const { key, perInstance } = this.recipe;
    if (key === undefined && !perInstance) return this.lastArgs.lookup(args) ?? this.lastArgs.encode(args, this.label);
    let id = key === undefined ? encodeArgs(args, this.label) : this.customId((key as (...a: readonly unknown[]) => unknown)(...args));
    if (perInstance) id = this.instancePart(self) + id;
    return id;
  }

  /** After the store lookup of `id`: lets a run of calls with repeated arguments reuse it. */
  observe(args: readonly unknown[], id: string): void {
    if (this.recipe.key === undefined && !this.recipe.perInstance) this.lastArgs.observe(args, id);
  }

  /** The full key of an id produced by a `key` function of `@CacheEvict`/`@CachePut`. */
  keyForId(self: unknown, rawId: unknown): string {
    const namespace = this.namespace ?? this.resolve(self);
    let id = this.customId(rawId);
    if (this.recipe.perInstance) id = this.instancePart(self) + id;
    return namespace + ':' + id;
  }

  /** The namespace, resolving the owning class from `self` when not known yet. */
  namespaceFor(self: unknown): string {
    return this.namespace ?? this.resolve(self);
  }

  private resolve(self: unknown): string {
    this.initialize(self);
    return this.namespace as string;
  }

  private bindOwner(owner: Function): void {
    const namespace = this.recipe.namespace ?? defaultNamespace(owner, this.site.member, this.site.isStatic);
    claimNamespace(namespace, owner, (this.site.isStatic ? 'static ' : '') + this.site.member, this.origin);
    this.label = `${owner.name || 'AnonymousClass'}.${this.site.member}`;
    this.namespace = namespace;
  }

  /** The class whose prototype (or which, for statics) holds this method; not a subclass. */
  private findOwner(self: unknown): Function {
    if ((typeof self !== 'object' && typeof self !== 'function') || self === null) {
      throw new DecoratorTargetError(
        `@Cacheable method '${this.site.member}' was called without an instance (this is ${String(self)}); call it as a method, or bind it.`,
      );
    }
    let holder: object | null = this.site.isStatic ? self : Object.getPrototypeOf(self);
    while (holder !== null) {
      const value: unknown = Object.getOwnPropertyDescriptor(holder, this.site.propertyKey)?.value;
      // The wrapper itself, or a decorator's wrapper around it (composed decorators).
      if (typeof value === 'function' && definitions.get(value) === this) {
        return this.site.isStatic ? (holder as Function) : (holder as { constructor: Function }).constructor;
      }
      holder = Object.getPrototypeOf(holder);
    }
    // Private methods live on no prototype; the instance's class is the best we know.
    return this.site.isStatic ? (self as Function) : (self as { constructor: Function }).constructor;
  }

  private customId(id: unknown): string {
    return customId(id, this.label);
  }

  private instancePart(self: unknown): string {
    const { perInstance } = this.recipe;
    if (typeof self !== 'object' && typeof self !== 'function') {
      throw new CacheKeyError(`${this.label} caches per instance but was called without one (this is ${String(self)}).`);
    }
    const identity = typeof perInstance === 'function' ? (perInstance as (instance: unknown) => unknown)(self) : instanceIdentity(self as object);
    if (typeof identity !== 'string') {
      throw new CacheKeyError(`The perInstance function of ${this.label} returned ${typeof identity}; it must return a string.`);
    }
    return JSON.stringify(identity) + '|';
  }
}

/**
 * A decorator wrapped a `@Cacheable` method (e.g. `@CacheEvict` above `@Cacheable` on one
 * method): its wrapper stands for the same definition, so that `@CacheEvict`/`@CachePut` of
 * other methods still find it and standard decorators still find its class.
 */
export function inheritDefinition(wrapper: Function, original: Function): void {
  const definition = definitions.get(original);
  if (definition !== undefined && !definitions.has(wrapper)) definitions.set(wrapper, definition);
}

/**
 * The `@Cacheable` definition of `self[method]`.
 *
 * @throws UnknownMethodError when that method is missing or not decorated with `@Cacheable`
 */
export function definitionOf(self: unknown, method: string, requester: string): CacheableDefinition {
  const candidate = memberOf(self, method);
  const definition = typeof candidate === 'function' ? definitions.get(candidate) : undefined;
  if (definition !== undefined) return definition;
  if (typeof candidate !== 'function') throw noSuchMethod(self, method, requester);
  throw new UnknownMethodError(
    `${requester} names method '${method}' of ${classNameOf(self)}, but it is not decorated with @Cacheable. Decorate it, or name the right method.`,
  );
}

/**
 * Check that `holder` (a prototype, or a class for static methods) has a method `method`, when
 * the class is defined: whether it is `@Cacheable` is only known once every decorator ran.
 *
 * @throws UnknownMethodError when it has none
 */
export function requireMethod(holder: object, method: string, requester: string): void {
  if (typeof memberOf(holder, method) !== 'function') throw noSuchMethod(holder, method, requester);
}

function memberOf(self: unknown, method: string): unknown {
  return (typeof self === 'object' || typeof self === 'function') && self !== null ? (self as Record<string, unknown>)[method] : undefined;
}

function classNameOf(self: unknown): string {
  return typeof self === 'function' ? self.name : ((self as { constructor?: Function } | undefined)?.constructor?.name ?? String(self));
}

function noSuchMethod(self: unknown, method: string, requester: string): UnknownMethodError {
  return new UnknownMethodError(
    `${requester} names method '${method}', but ${classNameOf(self)} has no such method. Check the spelling; static methods are named from static methods only.`,
  );
}
