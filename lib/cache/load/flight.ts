import type { LoadLease, StoredEntry } from '../../stores/store.js';
import type { CacheTraceContext } from '../tracing.js';
import type { Freshness } from './freshness.js';

/** An entry a load may fall back on (stale or in grace), and the form its callers share. */
export interface Kept {
  readonly entry: StoredEntry;
  readonly shared: unknown;
}

/**
 * One load in flight for one key. Every caller of that key while it flies gets `promise`.
 * An eviction, a put or an invalidation that happens meanwhile marks it `superseded`: its
 * callers still get its result, but the result is not stored over the newer state.
 */
export class Flight {
  /** Settles with the initiating caller's value, or the loader's rejection. */
  promise!: Promise<unknown>;
  /** Once settled: the protected form of the value that every caller's own view comes from. */
  shared: unknown;
  /**
   * A joined caller's view of {@link shared} (each its own: a copy-on-read value is copied per
   * caller), one function for all of them rather than a closure each.
   */
  reveal: (() => unknown) | undefined = undefined;
  /** Callers that joined this flight instead of starting their own. */
  joiners = 0;
  /** Set when the key was evicted, overwritten or invalidated after this load started. */
  superseded = false;
  /** The store write of the result, while a store that answers with promises has it pending. */
  write: Promise<void> | undefined = undefined;
  /** The old entry this load replaces (stale or in grace), which callers may be answered with. */
  fallback: Kept | undefined = undefined;
  /** The windows, timeouts and early refresh the load runs under (`undefined`: none). */
  freshness: Freshness | undefined = undefined;
  /** A refresh no caller waits for: its failure reaches no one (but events and stats). */
  background = false;
  /**
   * The lease this process holds on the key's load across processes (distributed single-flight),
   * until the write of the result takes it (or it is released).
   */
  lease: LoadLease | undefined = undefined;
  /** The trace context of the call that started the flight, when it is traced. */
  trace: CacheTraceContext | undefined = undefined;
  /** Load process-locally, without the store's coordination (its read just failed). */
  local = false;
  /** `performance.now()` when the loader started, when its duration is wanted (else -1). */
  startedAt = -1;

  /** @param startSeq - the cache's invalidation sequence number when the load started */
  constructor(readonly startSeq: number) {}
}
