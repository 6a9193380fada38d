import { InvalidOptionError } from '../core/errors.js';
import { cacheFor } from '../cache/registry.js';
import { decorateMethod } from './method-site.js';
import { checkBoolean, checkOptionNames, checkString, checkTags } from './options-validation.js';
import { publishMetadata, rejectNonPromiseReturn } from './reflect-metadata.js';
import { TargetEntry, WriterSite, type TargetOptions } from './target-entry.js';
import type { AsyncMethodDecorator, CacheSelection } from './types.js';

/** Options of {@link CacheEvict}. `Args` are the decorated method's arguments; `Method` the name(s) given as `method`. */
export interface CacheEvictOptions<Args extends unknown[] = never[], Method extends string = string> extends Omit<TargetOptions<Args, Method>, 'method'>, CacheSelection {
  /**
   * A `@Cacheable` method of the same class, or several (`['getProduct', 'listProducts']`): the
   * entry of each for the same arguments (`args`, `key`), or all their entries (`allEntries`).
   * A name the class lacks is a type error, and an `UnknownMethodError` before any call runs
   * the method.
   */
  readonly method?: Method | readonly Method[];
  /** Drop every entry of the target method or namespace (O(1) store work). */
  readonly allEntries?: boolean;
  /** Invalidate these tags: a list, or a function of the arguments (which may answer a Promise). */
  readonly tags?: readonly string[] | ((...args: Args) => readonly string[] | Promise<readonly string[]>);
  /** Evict before the method runs (and even if it fails). Default `false`: after it succeeds. */
  readonly beforeInvocation?: boolean;
}

const OPTION_NAMES = ['method', 'args', 'key', 'namespace', 'allEntries', 'tags', 'beforeInvocation', 'cache'] as const;

/**
 * Evict cache entries when the decorated method succeeds (or before it runs, with
 * `beforeInvocation`): one entry of a `@Cacheable` method, every entry of it, or tagged entries.
 * A load of an evicted key that is in flight will not store its (stale) result.
 *
 * @example
 * @CacheEvict({ method: 'getProduct', args: (p: Product) => [p.id] })
 * async updateProduct(p: Product): Promise<void> { ... }
 */
export function CacheEvict<Args extends unknown[] = never[], Method extends string = string>(
  options: CacheEvictOptions<Args, Method>,
): AsyncMethodDecorator<Args, unknown, Method> {
  checkOptionNames('CacheEvict', options, OPTION_NAMES);
  checkTags('CacheEvict', options.tags);
  checkBoolean('CacheEvict', 'allEntries', options.allEntries);
  checkBoolean('CacheEvict', 'beforeInvocation', options.beforeInvocation);
  checkString('CacheEvict', 'cache', options.cache);
  const methods = Array.isArray(options.method) ? (options.method as readonly unknown[]) : [options.method];
  if (methods.length === 0) {
    throw new InvalidOptionError("@CacheEvict 'method' is an empty list; name at least one @Cacheable method, e.g. method: ['getProduct', 'listProducts'].");
  }
  const targets = methods.map((method) => new TargetEntry('CacheEvict', { ...(options as TargetOptions<never[]>), method: method as string | undefined }));
  const target = targets[0] as TargetEntry;
  const { allEntries = false, beforeInvocation = false, cache: cacheName } = options;
  const tags = options.tags as readonly string[] | ((...args: unknown[]) => readonly string[] | Promise<readonly string[]>) | undefined;
  if (!target.hasTarget && tags === undefined) {
    throw new InvalidOptionError(
      "@CacheEvict needs something to evict: 'method' (a @Cacheable method of this class), 'namespace' with 'key' or 'allEntries', or 'tags'.",
    );
  }
  if (allEntries && (options.args !== undefined || options.key !== undefined)) {
    throw new InvalidOptionError("@CacheEvict 'allEntries' drops the whole namespace; it takes no 'args' or 'key'.");
  }
  if (!allEntries && options.namespace !== undefined && options.key === undefined) {
    throw new InvalidOptionError("@CacheEvict with 'namespace' needs 'key' (one entry) or 'allEntries: true'.");
  }

  return ((...call: unknown[]) =>
    decorateMethod('CacheEvict', call, (site) => {
      rejectNonPromiseReturn('CacheEvict', call);
      publishMetadata('cacheflight:cache-evict', options, call);
      const original = site.original;
      const writer = new WriterSite(site, targets);
      const evict = async (self: unknown, args: readonly unknown[]): Promise<void> => {
        const cache = cacheFor(self, cacheName);
        if (target.hasTarget) {
          if (allEntries) await Promise.all(targets.map((each) => cache.clearNamespace(each.namespaceFor(self, writer.label))));
          else if (targets.length === 1) await cache.del(target.keyFor(self, args, writer.label));
          else await cache.delMany(targets.map((each) => each.keyFor(self, args, writer.label)));
        }
        if (tags !== undefined) await cache.invalidateTags(typeof tags === 'function' ? await tags(...args) : tags);
      };
      const wrapper = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
        // A target that is not @Cacheable must fail before the method writes anything.
        for (const each of targets) each.definition(this, writer.label);
        if (beforeInvocation) await evict(this, args);
        const result: unknown = await original.apply(this, args);
        if (!beforeInvocation) await evict(this, args);
        return result;
      };
      return { wrapper, onInitialize: writer.onInitialize };
    })) as AsyncMethodDecorator<Args, unknown, Method>;
}
