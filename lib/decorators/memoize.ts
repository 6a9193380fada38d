import type { Cache } from '../cache/cache.js';
import type { FreshnessOptions } from '../cache/load/freshness.js';
import { FRESHNESS_OPTION_NAMES, parseFreshness } from '../cache/load/freshness.js';
import type { LoadPolicy } from '../cache/load/policy.js';
import { cacheFor } from '../cache/registry.js';
import type { Duration } from '../core/durations.js';
import { InvalidOptionError } from '../core/errors.js';
import { customId } from '../keys/custom-id.js';
import { encodeArgs } from '../keys/encode-args.js';
import { claimNamespace, validateNamespace } from '../keys/namespaces.js';
import { cacheablePolicy } from './cacheable.js';
import { decorationOrigin } from './decoration-origin.js';
import { checkFunction, checkOptionNames, checkString, checkTags, checkTtl } from './options-validation.js';
import type { CacheSelection, NoInference } from './types.js';

/**
 * Options of {@link memoize}: those of `@Cacheable` that apply to a plain function. `Args` and
 * `R` are the function's arguments and result.
 */
export interface MemoizeOptions<Args extends unknown[] = unknown[], R = unknown> extends CacheSelection, FreshnessOptions {
  /**
   * Namespace of the entries (no `:`). Default: the function's name; required for an anonymous
   * function. Two different functions never share one: a second claim is a
   * `NamespaceConflictError`.
   */
  readonly namespace?: string;
  /** Time to live: ms, a string such as `'30s'`, or a function of the result. Default: the cache's `ttl`. */
  readonly ttl?: Duration | ((result: R, ...args: NoInference<Args>) => Duration);
  /** Replaces the derived key: a function of the arguments returning a string or number. */
  readonly key?: (...args: Args) => string | number;
  /** Tags of the entry, for `invalidateTags`: a list, or a function of the arguments (it may answer a Promise). */
  readonly tags?: readonly string[] | ((...args: Args) => readonly string[] | Promise<readonly string[]>);
  /** More tags, computed from the result (it may answer a Promise). */
  readonly resultTags?: (result: R, ...args: NoInference<Args>) => readonly string[] | Promise<readonly string[]>;
  /** Skip the cache for this call (no read, no write) unless it answers true. */
  readonly condition?: (...args: Args) => boolean;
  /** Return the result but do not store it when this answers true. */
  readonly unless?: (result: R, ...args: NoInference<Args>) => boolean | Promise<boolean>;
}

/** What {@link memoize} returns: the function, cached, with ways to reach its entries. */
export interface MemoizedFunction<Args extends unknown[], R> {
  /** Call through the cache: a hit answers the stored value, concurrent equal calls run `fn` once. */
  (...args: Args): Promise<R>;
  /** The namespace of its entries. */
  readonly namespace: string;
  /** The cache key (`namespace:id`) of a call with these arguments. */
  keyOf(...args: Args): string;
  /** Drop the entry of these arguments; `true` when one was there. */
  invalidate(...args: Args): Promise<boolean>;
  /** Run the function now (joining a load already in flight) and store its result, whatever is cached. */
  refresh(...args: Args): Promise<R>;
  /** The cached value of these arguments (a fresh entry), without running the function. */
  peek(...args: Args): Promise<R | undefined>;
}

const OPTION_NAMES: readonly string[] = ['namespace', 'ttl', 'key', 'tags', 'resultTags', 'condition', 'unless', 'cache', ...FRESHNESS_OPTION_NAMES];

/** A function is never a class member: its namespace claim names it so. */
const MEMBER = '(memoized function)';

/**
 * Memoize an async function that is not a class method, with the keys, policies and options of
 * `@Cacheable`, through the registered cache (or the one named by `cache`). The key is the
 * namespace (default: the function's name) plus a canonical encoding of the arguments.
 *
 * @example
 * const getRates = memoize(async (currency: string) => fetchRates(currency), { namespace: 'rates', ttl: '1m' });
 * await getRates('EUR');            // loads, then cached
 * await getRates.invalidate('EUR'); // drop that entry
 *
 * @throws InvalidOptionError, InvalidTtlError for bad options; NamespaceConflictError when another
 *   function or method owns the namespace
 */
export function memoize<Args extends unknown[], R>(fn: (...args: Args) => Promise<R>, options: MemoizeOptions<Args, R> = {}): MemoizedFunction<Args, R> {
  if (typeof fn !== 'function') throw new InvalidOptionError(`memoize takes an async function as its first argument, not ${fn === null ? 'null' : typeof fn}.`);
  checkOptionNames('memoize', options, OPTION_NAMES);
  for (const name of ['key', 'resultTags', 'condition', 'unless'] as const) checkFunction('memoize', name, options[name]);
  checkTags('memoize', options.tags);
  checkString('memoize', 'cache', options.cache);
  const namespace = namespaceOf(fn, options.namespace);
  const label = `memoize(${namespace})`;
  const policy = cacheablePolicy(options as MemoizeOptions<unknown[], unknown>, checkTtl('memoize', options.ttl), parseFreshness(options, 'memoize'), label);
  const refreshPolicy: LoadPolicy = { ...policy, forceFresh: true };
  claimNamespace(namespace, fn, MEMBER, decorationOrigin());
  const { cache: cacheName, condition, key } = options;
  // A plain function belongs to no application's scope: the registered caches.
  const cacheOf = (): Cache => cacheFor(undefined, cacheName);
  const idOf = (args: readonly unknown[]): string => (key === undefined ? encodeArgs(args, label) : customId((key as (...a: readonly unknown[]) => unknown)(...args), label));

  const memoized = function (this: unknown, ...args: Args): Promise<R> {
    try {
      if (condition !== undefined && !condition(...args)) return Promise.resolve(fn.apply(this, args));
      return cacheOf().load(namespace, idOf(args), policy, this, fn, args) as Promise<R>;
    } catch (error) {
      return Promise.reject(error);
    }
  } as MemoizedFunction<Args, R>;
  Object.defineProperty(memoized, 'name', { value: fn.name });
  Object.defineProperty(memoized, 'namespace', { value: namespace, enumerable: true });
  memoized.keyOf = (...args: Args): string => `${namespace}:${idOf(args)}`;
  memoized.invalidate = async (...args: Args): Promise<boolean> => cacheOf().del(memoized.keyOf(...args));
  memoized.refresh = async (...args: Args): Promise<R> => (await cacheOf().load(namespace, idOf(args), refreshPolicy, undefined, fn, args)) as R;
  memoized.peek = async (...args: Args): Promise<R | undefined> => cacheOf().get<R>(memoized.keyOf(...args));
  return memoized;
}

function namespaceOf(fn: Function, given: unknown): string {
  if (given !== undefined) return validateNamespace(given, 'memoize');
  if (fn.name === '') {
    throw new InvalidOptionError("memoize needs a namespace for an anonymous function: memoize(fn, { namespace: 'rates' }), or give the function a name.");
  }
  // A name with ':' (or other text a namespace may not hold) cannot be one: ask for one.
  try {
    return validateNamespace(fn.name, 'memoize');
  } catch {
    throw new InvalidOptionError(`memoize cannot use the function's name '${fn.name}' as its namespace; give one: memoize(fn, { namespace: 'rates' }).`);
  }
}
