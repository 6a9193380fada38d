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
  /** Callers that joined this flight instead of starting their own. */
  joiners = 0;
  /** Set when the key was evicted, overwritten or invalidated after this load started. */
  superseded = false;
  /** The store write of the result, while a store that answers with promises has it pending. */
  write: Promise<void> | undefined = undefined;

  /** @param startSeq - the cache's invalidation sequence number when the load started */
  constructor(readonly startSeq: number) {}
}
