import { cacheFor } from '../cache/registry.js';
import type { LoadPolicy } from '../cache/load/policy.js';
import { FRESHNESS_OPTION_NAMES, parseFreshness, type FreshnessOptions, type FreshnessParts } from '../cache/load/freshness.js';
import type { Duration } from '../core/durations.js';
import { CacheableDefinition } from './cacheable-definition.js';
import { decorationOrigin } from './decoration-origin.js';
import { decorateMethod } from './method-site.js';
import { checkBoolean, checkFunction, checkNamespace, checkOptionNames, checkString, checkTags, checkTtl } from './options-validation.js';
import { publishMetadata, rejectNonPromiseReturn } from './reflect-metadata.js';
import type { AsyncMethodDecorator, CacheSelection, NoInference } from './types.js';

/**
 * Options of {@link Cacheable}. `Args` and `R` are the decorated method's arguments and result.
 * Stale and grace windows, timeouts and early refresh: see {@link FreshnessOptions}.
 */
export interface CacheableOptions<Args extends unknown[] = never[], R = unknown> extends CacheSelection, FreshnessOptions {
  /**
   * Time to live: ms (`0` = do not store, `Infinity` = never expires), a string such as `'30s'`,
   * `'5m'`, `'1h'`, or a function of the result. Default: the cache's `ttl`.
   */
  readonly ttl?: Duration | ((result: R, ...args: NoInference<Args>) => Duration);
  /** Replaces the derived key: a function of the arguments returning a string or number. */
  readonly key?: (...args: Args) => string | number;
  /** Namespace of the entries (no `:`). Default: `ClassName.methodName`. */
  readonly namespace?: string;
  /** Tags of the entry, for `invalidateTags`: a list, or a function of the arguments (it may answer a Promise). */
  readonly tags?: readonly string[] | ((...args: Args) => readonly string[] | Promise<readonly string[]>);
  /** More tags, computed from the result (it may answer a Promise). */
  readonly resultTags?: (result: R, ...args: NoInference<Args>) => readonly string[] | Promise<readonly string[]>;
  /** Skip the cache for this call (no read, no write) unless it answers true. */
  readonly condition?: (...args: Args) => boolean;
  /** Return the result but do not store it when this answers true (e.g. `(r) => r === null`). */
  readonly unless?: (result: R, ...args: NoInference<Args>) => boolean | Promise<boolean>;
  /**
   * Make the instance part of the key (default: instances share entries, as services are
   * singletons). `true` uses a process-local identity; a function gives one that processes
   * sharing a store agree on, e.g. `(svc) => svc.tenantId`.
   */
  readonly perInstance?: boolean | ((instance: never) => string);
}

const OPTION_NAMES: readonly string[] = ['ttl', 'key', 'namespace', 'tags', 'resultTags', 'condition', 'unless', 'cache', 'perInstance', ...FRESHNESS_OPTION_NAMES];

/**
 * Memoize an async method through the registered cache. The key is the namespace
 * (`ClassName.methodName`) plus a canonical encoding of the arguments; concurrent calls with
 * equal arguments run the method once.
 *
 * @example
 * class ProductService {
 *   @Cacheable({ ttl: '5m' })
 *   async getProduct(id: number): Promise<Product> { ... }
 * }
 */
export function Cacheable<Args extends unknown[] = never[], R = unknown>(options: CacheableOptions<Args, R> = {}): AsyncMethodDecorator<Args, R> {
  checkOptionNames('Cacheable', options, OPTION_NAMES);
  const namespace = checkNamespace('Cacheable', options.namespace);
  const ttlMs = checkTtl('Cacheable', options.ttl);
  for (const name of ['key', 'resultTags', 'condition', 'unless'] as const) checkFunction('Cacheable', name, options[name]);
  checkTags('Cacheable', options.tags);
  checkString('Cacheable', 'cache', options.cache);
  if (typeof options.perInstance !== 'function') checkBoolean('Cacheable', 'perInstance', options.perInstance);
  const freshness = parseFreshness(options, '@Cacheable');
  const { cache: cacheName, condition } = options;

  return ((...call: unknown[]) =>
    decorateMethod('Cacheable', call, (site) => {
      rejectNonPromiseReturn('Cacheable', call);
      publishMetadata('cacheflight:cacheable', options, call);
      const definition = new CacheableDefinition(
        site,
        { key: options.key as never, namespace, perInstance: options.perInstance },
        cacheablePolicy(options as CacheableOptions<unknown[], unknown>, ttlMs, freshness, site.member),
        decorationOrigin(),
      );
      const original = site.original;
      const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
        try {
          if (condition !== undefined && !(condition as (...a: unknown[]) => boolean)(...args)) {
            return Promise.resolve(original.apply(this, args));
          }
          const cache = cacheFor(this, cacheName);
          const namespace = definition.namespaceFor(this);
          const id = definition.idFor(this, args);
          const result = cache.load(namespace, id, definition.policy, this, original, args);
          // After the lookup (the id is hashed by then); not after a miss, whose key is
          // new: telling it from the last one would cost a string comparison per miss.
          if (!cache.lastLoadMissed) definition.observe(args, id);
          return result;
        } catch (error) {
          return Promise.reject(error);
        }
      };
      definition.attach(wrapper);
      // Standard decorators learn the class from the first instance; static methods resolve on
      // their first call instead, as transpilers may not have given the class its final name
      // while static initializers run.
      const learnsFromInstances = site.mode === 'standard' && !site.isStatic;
      return { wrapper, onInitialize: learnsFromInstances ? (self) => definition.initialize(self) : undefined };
    })) as AsyncMethodDecorator<Args, R>;
}

/** The load policy of `@Cacheable`'s (or `memoize`'s) options, once per method or function. */
export function cacheablePolicy(options: Pick<CacheableOptions<unknown[], unknown>, 'ttl' | 'tags' | 'resultTags' | 'unless'>, ttlMs: number | undefined, freshness: FreshnessParts | undefined, label: string): LoadPolicy {
  const { ttl, tags, resultTags, unless } = options;
  return {
    label,
    ttlMs,
    ttlOf: typeof ttl === 'function' ? (result, args) => ttl(result, ...args) : undefined,
    tagsOf: typeof tags === 'function' ? (args) => tags(...args) : tags === undefined ? undefined : () => tags,
    resultTagsOf: resultTags === undefined ? undefined : (result, args) => resultTags(result, ...args),
    unless: unless === undefined ? undefined : (result, args) => unless(result, ...args),
    freshness,
    forceFresh: false,
  };
}
