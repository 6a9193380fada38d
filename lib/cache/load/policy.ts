import { InvalidOptionError } from '../../core/errors.js';
import { parseDuration, type Duration } from '../../core/durations.js';
import { rejectUnknownOptions } from '../../core/option-checks.js';
import { FRESHNESS_OPTION_NAMES, parseFreshness, type FreshnessOptions, type FreshnessParts } from './freshness.js';

/**
 * How one kind of load is cached: built once per decorated method (or per `getOrSet` call) so
 * that a call does no option parsing. Functions receive the call's argument list as an array.
 */
export interface LoadPolicy {
  /** Names the method or operation in error messages and events. */
  readonly label: string;
  /** Fixed TTL in ms; `undefined` = the cache's default (unless `ttlOf` is set). */
  readonly ttlMs: number | undefined;
  /** TTL computed from the result; validated on every use. */
  readonly ttlOf: ((result: unknown, args: readonly unknown[]) => Duration) | undefined;
  /** Tags known from the arguments (a promise of them, from an async function). */
  readonly tagsOf: ((args: readonly unknown[]) => readonly string[] | Promise<readonly string[]>) | undefined;
  /** Tags known from the result (or a promise of them). */
  readonly resultTagsOf: ((result: unknown, args: readonly unknown[]) => readonly string[] | Promise<readonly string[]>) | undefined;
  /** Declines to store a result when it answers true (or a promise of true). */
  readonly unless: ((result: unknown, args: readonly unknown[]) => boolean | Promise<boolean>) | undefined;
  /** Stale and grace windows, timeouts, early refresh of this method or call (over the cache's). */
  readonly freshness: FreshnessParts | undefined;
  /** Load whatever the cache holds (joined with a load in flight): `getOrSet`'s `forceFresh`. */
  readonly forceFresh: boolean;
}

/** Options shared by `getOrSet`, `set` and `@Cacheable` that shape how a value is stored. */
export interface StorePolicyOptions<R = unknown> {
  /** Time to live: ms, a string such as `'30s'`, or a function of the value. */
  readonly ttl?: Duration | ((value: R) => Duration) | undefined;
  /** Tags for group invalidation with `invalidateTags`: a list, or a function of the value (it may answer a Promise). */
  readonly tags?: readonly string[] | ((value: R) => readonly string[] | Promise<readonly string[]>) | undefined;
  /** Return true (or a Promise of true) to keep the value out of the cache (it is still returned). */
  readonly unless?: ((value: R) => boolean | Promise<boolean>) | undefined;
}

/** A fixed TTL, or `undefined` when given as a function or not given; validated eagerly. */
export function fixedTtl(ttl: unknown, what: string): number | undefined {
  if (ttl === undefined || typeof ttl === 'function') return undefined;
  return parseDuration(ttl, what);
}

/** Options of a `getOrSet` call: how its value is stored, kept and waited for. */
export interface GetOrSetOptions<R = unknown> extends StorePolicyOptions<R>, FreshnessOptions {
  /**
   * Run the loader whatever the cache holds, and store its value; a load of the key already in
   * flight is joined instead of starting a second.
   */
  readonly forceFresh?: boolean | undefined;
}

const GET_OR_SET_OPTION_NAMES: readonly string[] = ['ttl', 'tags', 'unless', 'forceFresh', ...FRESHNESS_OPTION_NAMES];

/** Build the policy of a direct `getOrSet`/`set` call (the value is the only input of functions). */
export function policyOf<R>(options: GetOrSetOptions<R> | undefined, label: string): LoadPolicy {
  if (options === undefined) return { label, ttlMs: undefined, ttlOf: undefined, tagsOf: undefined, resultTagsOf: undefined, unless: undefined, freshness: undefined, forceFresh: false };
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError(`${label} takes an options object as its third argument, e.g. { ttl: '5m' }.`);
  rejectUnknownOptions(label, options, GET_OR_SET_OPTION_NAMES);
  const { ttl, tags, unless, forceFresh } = options;
  if (forceFresh !== undefined && typeof forceFresh !== 'boolean') throw new InvalidOptionError(`${label} forceFresh must be true or false, not ${String(forceFresh)}.`);
  const fixedTags = Array.isArray(tags) ? validateTags(tags, `${label} tags`) : undefined;
  return {
    label,
    ttlMs: fixedTtl(ttl, `${label} ttl`),
    ttlOf: typeof ttl === 'function' ? (value) => (ttl as (v: unknown) => Duration)(value) : undefined,
    tagsOf: fixedTags ? () => fixedTags : undefined,
    resultTagsOf: typeof tags === 'function' ? (value) => (tags as (v: unknown) => readonly string[] | Promise<readonly string[]>)(value) : undefined,
    unless: unless ? (value) => unless(value as R) : undefined,
    freshness: parseFreshness(options, label),
    forceFresh: forceFresh ?? false,
  };
}

/** Check a tag list: strings, non-empty. */
export function validateTags(tags: readonly unknown[], what: string): readonly string[] {
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidOptionError(`${what} must be non-empty strings; got ${typeof tag === 'string' ? "''" : typeof tag}.`);
    }
  }
  return tags as readonly string[];
}
