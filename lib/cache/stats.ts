/**
 * Counters of one cache since it was created. They agree with the events: `hits`, `misses` and
 * `joined` count the `hit`, `miss` and `joined` events, `loads` the `load` plus `load-error`
 * events, `loadErrors` the `load-error` events, `decodeErrors` the `decode-error` events,
 * `stale`, `graced`, `refreshes` and `timeouts` the `stale`, `graced`, `refresh` and `timeout`
 * events, `evictions` the `evict` events (counted only while `evict` has a listener: the store
 * reports nothing otherwise).
 */
export interface CacheStats {
  /** Reads that found a fresh entry (stale and graced answers are counted apart). */
  readonly hits: number;
  /** Reads that found nothing. */
  readonly misses: number;
  /** Loader runs (decorated method executions on a miss). */
  readonly loads: number;
  /** Loader runs that rejected. */
  readonly loadErrors: number;
  /** Calls that joined a load (or store read) already in flight for the same key instead of running their own. */
  readonly joined: number;
  /** Store operations that failed or timed out. */
  readonly backendErrors: number;
  /** Stored payloads that could not be decoded. */
  readonly decodeErrors: number;
  /** Calls answered at once with a stale value (`staleWhileRevalidate`) while it refreshes. */
  readonly stale: number;
  /** Calls answered with a value kept for grace, because its load failed, timed out or backs off. */
  readonly graced: number;
  /** Background refreshes started (of stale entries, and early ones). */
  readonly refreshes: number;
  /** Callers that stopped waiting for a load at a soft or hard timeout. */
  readonly timeouts: number;
  /**
   * Entries the store dropped on its own (`evict` events), while the cache had an `evict`
   * listener: without one the store is not asked to report, and this stays 0.
   */
  readonly evictions: number;
}

/** Mutable counters behind {@link CacheStats}. */
export class StatsCounters implements CacheStats {
  hits = 0;
  misses = 0;
  loads = 0;
  loadErrors = 0;
  joined = 0;
  backendErrors = 0;
  decodeErrors = 0;
  stale = 0;
  graced = 0;
  refreshes = 0;
  timeouts = 0;
  evictions = 0;

  /** A frozen copy, safe to hand out. */
  snapshot(): CacheStats {
    return Object.freeze({
      hits: this.hits,
      misses: this.misses,
      loads: this.loads,
      loadErrors: this.loadErrors,
      joined: this.joined,
      backendErrors: this.backendErrors,
      decodeErrors: this.decodeErrors,
      stale: this.stale,
      graced: this.graced,
      refreshes: this.refreshes,
      timeouts: this.timeouts,
      evictions: this.evictions,
    });
  }
}
