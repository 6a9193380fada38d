import { parseDuration, type Duration } from '../../core/durations.js';
import { InvalidOptionError, InvalidTtlError } from '../../core/errors.js';
import { describeValue, rejectUnknownOptions } from '../../core/option-checks.js';

/** Options of {@link memoryStore}. Every one is optional; unknown names are rejected. */
export interface MemoryStoreOptions {
  /**
   * Most entries held at once; past it an entry leaves, chosen by {@link policy}. A positive safe
   * integer, default `10_000`, or none when {@link maxSize} is given without it (the size bound
   * alone then limits the store; `Infinity` says so explicitly). Expired and invalidated entries
   * count until they are reclaimed.
   */
  readonly maxEntries?: number | undefined;
  /**
   * Which entry leaves when the store is full:
   * - `'tinylfu'` (the default): W-TinyLFU, frequency-aware. A new entry enters a small LRU
   *   window; pushed out of it, it replaces the least recently used entry of the main region only
   *   if it has been requested more often lately (a compact, aging frequency sketch keeps count).
   *   One-off keys and scans so cannot push out a frequently used working set. The window's size
   *   adapts to the workload. See the README's hit-ratio table.
   * - `'lru'`: the least recently used entry leaves.
   */
  readonly policy?: MemoryStorePolicy | undefined;
  /** Name for logs and health output. A non-empty string, default `'memory'`. */
  readonly name?: string | undefined;
  /**
   * An entry not read for this long expires (as moka's `time_to_idle`), alongside its TTL: a
   * hit (a `get` that answers it) starts the idle time again; a write starts it too. A
   * {@link Duration} `> 0` (`Infinity` = no idle expiry); default none. It leaves with the
   * eviction cause `idle`. Idle time is measured on the store's clock, cached for about a
   * millisecond.
   */
  readonly timeToIdle?: Duration | undefined;
  /**
   * A bound on the total size of the values held, as measured by {@link sizeOf}, alongside
   * {@link maxEntries} when both are given (both apply), or instead of it when `maxEntries` is left
   * out: entries leave by {@link policy} until the total fits, with the eviction cause
   * `capacity`. A positive finite number; default none. Requires `sizeOf`. A value larger than
   * `maxSize` on its own is not kept (as with {@link maxEntrySize}).
   */
  readonly maxSize?: number | undefined;
  /**
   * The size of one value, for {@link maxSize} and {@link maxEntrySize}: a function of the value
   * and its key (`namespace:id`) answering a finite number `>= 0`, called once per write. No
   * default estimate: the application knows what its values weigh (e.g. `(value) => JSON.stringify(value).length`,
   * or `(value) => value.byteLength` for buffers). A write whose `sizeOf` answers anything else
   * throws `InvalidOptionError` (the Cache reports it as a `backend-error`, the call still gets its value).
   */
  readonly sizeOf?: ((value: unknown, key: string) => number) | undefined;
  /**
   * A value whose {@link sizeOf} is above this is not kept: the write drops what the key held
   * and stores nothing, and the store tells its Cache, which emits `store-skipped` with reason
   * `too-large` (the call still gets its value). A positive finite number; default none
   * (`maxSize` alone still refuses a value larger than itself). Requires `sizeOf`.
   */
  readonly maxEntrySize?: number | undefined;
}

/** An eviction policy of the memory store; see {@link MemoryStoreOptions.policy}. */
export type MemoryStorePolicy = 'tinylfu' | 'lru';

/** The eviction policy of a memory store created without `policy`. */
export const DEFAULT_POLICY: MemoryStorePolicy = 'tinylfu';

const POLICIES: readonly string[] = ['tinylfu', 'lru'];

/** {@link MemoryStoreOptions} with every default applied. */
export interface ResolvedMemoryStoreOptions {
  /** See {@link MemoryStoreOptions.maxEntries}; `Infinity` = no entry bound (`maxSize` alone). */
  readonly maxEntries: number;
  /** See {@link MemoryStoreOptions.name}. */
  readonly name: string;
  /** See {@link MemoryStoreOptions.policy}. */
  readonly policy: MemoryStorePolicy;
  /** {@link MemoryStoreOptions.timeToIdle} in ms; `0` = none. */
  readonly timeToIdleMs: number;
  /** See {@link MemoryStoreOptions.maxSize}; `Infinity` = none. */
  readonly maxSize: number;
  /** The largest value kept: the lower of `maxEntrySize` and `maxSize`; `Infinity` = none. */
  readonly maxEntrySize: number;
  /** See {@link MemoryStoreOptions.sizeOf}; `undefined` when no size bound is set. */
  readonly sizeOf: ((value: unknown, key: string) => number) | undefined;
}

/** Default bound of a memory store: it is never unbounded unless asked to be very large. */
export const DEFAULT_MAX_ENTRIES = 10_000;

const KNOWN_OPTIONS: readonly string[] = ['maxEntries', 'name', 'policy', 'timeToIdle', 'maxSize', 'sizeOf', 'maxEntrySize'];

/**
 * Validate `memoryStore` options and apply defaults. Strict on purpose: a typo such as
 * `maxEntires` would otherwise silently leave the default bound in place.
 *
 * @param options - what the caller passed (untyped callers included)
 * @returns the options with defaults applied
 * @throws InvalidOptionError naming the option, the value given and what is accepted
 */
export function resolveMemoryStoreOptions(options: unknown): ResolvedMemoryStoreOptions {
  if (options === undefined) return { maxEntries: DEFAULT_MAX_ENTRIES, name: 'memory', policy: DEFAULT_POLICY, timeToIdleMs: 0, maxSize: Infinity, maxEntrySize: Infinity, sizeOf: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      `memoryStore options must be an object such as { maxEntries: 10_000 }, not ${describeValue(options)}.`,
    );
  }
  const given = options as Record<string, unknown>;
  rejectUnknownOptions('memoryStore', given, KNOWN_OPTIONS);
  const { name = 'memory', policy = DEFAULT_POLICY } = given;
  // Without an entry bound of its own, a size-bounded store is limited by its size alone.
  const sizeOnly = given['maxSize'] !== undefined;
  const { maxEntries = sizeOnly ? Infinity : DEFAULT_MAX_ENTRIES } = given;
  if (typeof maxEntries !== 'number' || !(Number.isSafeInteger(maxEntries) || (maxEntries === Infinity && sizeOnly)) || maxEntries < 1) {
    throw new InvalidOptionError(
      `memoryStore option "maxEntries" is ${describeValue(maxEntries)}; give a positive safe integer ` +
        `(1 to ${Number.MAX_SAFE_INTEGER}), e.g. 10_000. The default is ${DEFAULT_MAX_ENTRIES} ` +
        `(none when "maxSize" is given: leave "maxEntries" out, or give Infinity, to bound the store by size alone).`,
    );
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError(
      `memoryStore option "name" is ${describeValue(name)}; give a non-empty string such as 'l1'. The default is 'memory'.`,
    );
  }
  if (typeof policy !== 'string' || !POLICIES.includes(policy)) {
    throw new InvalidOptionError(
      `memoryStore option "policy" is ${describeValue(policy)}; give 'tinylfu' (frequency-aware, the default) or 'lru' (least recently used).`,
    );
  }
  let timeToIdleMs = 0;
  if (given['timeToIdle'] !== undefined) {
    timeToIdleMs = parseDuration(given['timeToIdle'], 'memoryStore option "timeToIdle"');
    if (timeToIdleMs === 0) {
      throw new InvalidTtlError(`memoryStore option "timeToIdle" is ${describeValue(given['timeToIdle'])}; give a duration > 0 such as '10m' or 600_000 (Infinity = no idle expiry), or leave it out.`);
    }
    if (timeToIdleMs === Infinity) timeToIdleMs = 0;
  }
  const maxSize = sizeBound(given, 'maxSize');
  const maxEntrySize = sizeBound(given, 'maxEntrySize');
  const { sizeOf } = given;
  if (sizeOf !== undefined && typeof sizeOf !== 'function') {
    throw new InvalidOptionError(`memoryStore option "sizeOf" is ${describeValue(sizeOf)}; give a function (value, key) => number, e.g. (value) => JSON.stringify(value).length.`);
  }
  const bounded = maxSize !== Infinity || maxEntrySize !== Infinity;
  if (bounded && sizeOf === undefined) {
    throw new InvalidOptionError(
      `memoryStore option "${maxSize !== Infinity ? 'maxSize' : 'maxEntrySize'}" needs "sizeOf", a function (value, key) => number that measures a value, e.g. (value) => JSON.stringify(value).length.`,
    );
  }
  if (!bounded && sizeOf !== undefined) {
    throw new InvalidOptionError(`memoryStore option "sizeOf" is given without "maxSize" or "maxEntrySize"; give one of them as well, or leave "sizeOf" out.`);
  }
  return {
    maxEntries,
    name,
    policy: policy as MemoryStorePolicy,
    timeToIdleMs,
    maxSize,
    maxEntrySize: Math.min(maxSize, maxEntrySize),
    sizeOf: bounded ? (sizeOf as (value: unknown, key: string) => number) : undefined,
  };
}

/** A size option: a positive finite number, or `Infinity` when left out. */
function sizeBound(given: Record<string, unknown>, name: 'maxSize' | 'maxEntrySize'): number {
  const value = given[name];
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new InvalidOptionError(`memoryStore option "${name}" is ${describeValue(value)}; give a positive finite number in the units of "sizeOf" (e.g. 50_000_000 for bytes), or leave it out.`);
  }
  return value;
}
