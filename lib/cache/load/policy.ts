import { InvalidOptionError } from '../../core/errors.js';
import { parseDuration, type Duration } from '../../core/durations.js';

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
  /** Tags known from the arguments. */
  readonly tagsOf: ((args: readonly unknown[]) => readonly string[]) | undefined;
  /** Tags known from the result. */
  readonly resultTagsOf: ((result: unknown, args: readonly unknown[]) => readonly string[]) | undefined;
  /** Declines to store a result when it answers true. */
  readonly unless: ((result: unknown, args: readonly unknown[]) => boolean) | undefined;
}

/** Options shared by `getOrSet`, `set` and `@Cacheable` that shape how a value is stored. */
export interface StorePolicyOptions<R = unknown> {
  /** Time to live: ms, a string such as `'30s'`, or a function of the value. */
  readonly ttl?: Duration | ((value: R) => Duration) | undefined;
  /** Tags for group invalidation with `invalidateTags`. */
  readonly tags?: readonly string[] | ((value: R) => readonly string[]) | undefined;
  /** Return true to keep the value out of the cache (it is still returned). */
  readonly unless?: ((value: R) => boolean) | undefined;
}

/** A fixed TTL, or `undefined` when given as a function or not given; validated eagerly. */
export function fixedTtl(ttl: unknown, what: string): number | undefined {
  if (ttl === undefined || typeof ttl === 'function') return undefined;
  return parseDuration(ttl, what);
}

/** Build the policy of a direct `getOrSet`/`set` call (the value is the only input of functions). */
export function policyOf<R>(options: StorePolicyOptions<R> | undefined, label: string): LoadPolicy {
  if (options === undefined) return { label, ttlMs: undefined, ttlOf: undefined, tagsOf: undefined, resultTagsOf: undefined, unless: undefined };
  const { ttl, tags, unless } = options;
  const fixedTags = Array.isArray(tags) ? validateTags(tags, `${label} tags`) : undefined;
  return {
    label,
    ttlMs: fixedTtl(ttl, `${label} ttl`),
    ttlOf: typeof ttl === 'function' ? (value) => (ttl as (v: unknown) => Duration)(value) : undefined,
    tagsOf: fixedTags ? () => fixedTags : undefined,
    resultTagsOf: typeof tags === 'function' ? (value) => (tags as (v: unknown) => readonly string[])(value) : undefined,
    unless: unless ? (value) => unless(value as R) : undefined,
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
