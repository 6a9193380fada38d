import { InvalidOptionError } from '../../core/errors.js';
import { describeValue, rejectUnknownOptions } from '../../core/option-checks.js';

/** Options of {@link memoryStore}. Every one is optional; unknown names are rejected. */
export interface MemoryStoreOptions {
  /**
   * Most entries held at once; past it an entry leaves, chosen by {@link policy}. A positive safe
   * integer, default `10_000`. Expired and invalidated entries count until they are reclaimed.
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
}

/** An eviction policy of the memory store; see {@link MemoryStoreOptions.policy}. */
export type MemoryStorePolicy = 'tinylfu' | 'lru';

/** The eviction policy of a memory store created without `policy`. */
export const DEFAULT_POLICY: MemoryStorePolicy = 'tinylfu';

const POLICIES: readonly string[] = ['tinylfu', 'lru'];

/** {@link MemoryStoreOptions} with every default applied. */
export interface ResolvedMemoryStoreOptions {
  /** See {@link MemoryStoreOptions.maxEntries}. */
  readonly maxEntries: number;
  /** See {@link MemoryStoreOptions.name}. */
  readonly name: string;
  /** See {@link MemoryStoreOptions.policy}. */
  readonly policy: MemoryStorePolicy;
}

/** Default bound of a memory store: it is never unbounded unless asked to be very large. */
export const DEFAULT_MAX_ENTRIES = 10_000;

const KNOWN_OPTIONS: readonly string[] = ['maxEntries', 'name', 'policy'];

/**
 * Validate `memoryStore` options and apply defaults. Strict on purpose: a typo such as
 * `maxEntires` would otherwise silently leave the default bound in place.
 *
 * @param options - what the caller passed (untyped callers included)
 * @returns the options with defaults applied
 * @throws InvalidOptionError naming the option, the value given and what is accepted
 */
export function resolveMemoryStoreOptions(options: unknown): ResolvedMemoryStoreOptions {
  if (options === undefined) return { maxEntries: DEFAULT_MAX_ENTRIES, name: 'memory', policy: DEFAULT_POLICY };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      `memoryStore options must be an object such as { maxEntries: 10_000 }, not ${describeValue(options)}.`,
    );
  }
  const given = options as Record<string, unknown>;
  rejectUnknownOptions('memoryStore', given, KNOWN_OPTIONS);
  const { maxEntries = DEFAULT_MAX_ENTRIES, name = 'memory', policy = DEFAULT_POLICY } = given;
  if (typeof maxEntries !== 'number' || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidOptionError(
      `memoryStore option "maxEntries" is ${describeValue(maxEntries)}; give a positive safe integer ` +
        `(1 to ${Number.MAX_SAFE_INTEGER}), e.g. 10_000. The default is ${DEFAULT_MAX_ENTRIES}.`,
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
  return { maxEntries, name, policy: policy as MemoryStorePolicy };
}
