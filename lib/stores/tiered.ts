/**
 * The tiered store: an in-process L1 (a memory store) in front of a shared L2 (a Redis store),
 * for several processes that share Redis but should answer hot keys from memory.
 *
 * ```ts
 * createCache({ store: tieredStore({ l1: memoryStore({ maxEntries: 10_000 }), l2: redisStore({ url, prefix: 'orders' }) }) });
 * ```
 *
 * ## Reads
 *
 * An L1 hit answers synchronously, with no promise and no Redis command: as fast as the memory
 * store. An L1 miss reads L2 (batched with the other reads of the tick by the Redis store); an L2
 * hit is protected once (the owning Cache's immutability: frozen in place, since no one else holds
 * the decoded value, or a copy-on-read box) and promoted into L1 with its remaining TTL (the same
 * `expiresAt`) and its tags, capped by `l1Ttl`.
 *
 * ## Coherence: the invalidation bus
 *
 * Every write and invalidation goes to both tiers, then, once L2 has settled it, is published on
 * the channel `<prefix>#bus` (`<prefix>#bus:<db>` outside database 0) through the L2 connection:
 * the other processes sharing the prefix drop their L1 copies, then read L2 again on their next
 * miss. Each process ignores its own messages (an instance id in each). A dedicated subscriber
 * connection listens (`RedisStore.pubSub`), checked by a heartbeat PING.
 *
 * Publishing after L2 settles is what makes a process that hears the message read the new value
 * from L2. The gap is one round trip: until the message arrives, other processes may still answer
 * their L1 copy. A read of L2 racing an invalidation never promotes the value it read over the
 * invalidation (`tiered/promotion-guard.ts`).
 *
 * ## Outages: bounded staleness
 *
 * While the bus is not up (not yet subscribed, connection lost, heartbeat missed, Redis down)
 * messages may be missed, so L1 answers an entry only while
 * `now - max(when it entered L1, when the bus went down) < outageStaleness` (default 10 s), and
 * what is written or promoted meanwhile stays in L1 for `outageStaleness` at most, even when L2
 * did not take the write: during a Redis outage the Cache's loads are kept, and the source sees
 * about one load per key per `min(l1Ttl, outageStaleness)` instead of one per call. Deletes and
 * invalidations still apply to this process's L1 at once. When the bus is subscribed again, the
 * whole L1 is cleared (cheap, and safe whatever was missed) and caching in L1 resumes: an entry
 * invalidated elsewhere while this process could not hear it is never answered after that.
 * A failed PUBLISH is retried with backoff for about half a minute; if it never goes through
 * (Redis unreachable from this process only, while the others still hear the bus), the other
 * processes may keep a stale L1 copy until its TTL: `l1Ttl` bounds that.
 *
 * ## Failures
 *
 * L2 errors surface as the operation's rejection (the Cache turns them into `backend-error`
 * events and runs the method uncached); an L1 hit does not need L2 at all, and L1 is always
 * looked up first. A write that L2 refuses while the bus is up and L2 can still be read leaves no
 * L1 copy behind; when L2 cannot be read either, the copy is kept for `outageStaleness` at most.
 * The subscriber connection's errors and losses never reach the application: they show in
 * `health()` and `stats`.
 */
import { resolveTieredStoreOptions, type TieredStoreOptions } from './tiered/options.js';
import { TieredStore } from './tiered/store.js';

export { DEFAULT_BUS_HEARTBEAT_MS, DEFAULT_OUTAGE_STALENESS, type TieredStoreOptions } from './tiered/options.js';
export { TieredStore, type TieredStoreStats } from './tiered/store.js';
export type { BusState } from './tiered/bus-state.js';

/**
 * A {@link Store} with an in-process L1 (`l1`, a memory store) in front of a shared L2 (`l2`, a
 * Redis store), the L1s of every process sharing the L2 prefix kept coherent over Redis pub/sub.
 * The tiered store owns both tiers: it closes them on `close()`.
 *
 * Like the Redis store, creating it never connects: the first operation does (and subscribes).
 *
 * @param options - see {@link TieredStoreOptions}
 * @throws InvalidOptionError when an option is unknown or invalid, or a tier already belongs to
 *   another tiered store
 * @throws InvalidTtlError when `l1Ttl` or `outageStaleness` is negative, `NaN` or does not parse
 *
 * @example
 * ```ts
 * registerCache(createCache({
 *   store: tieredStore({ l1: memoryStore({ maxEntries: 10_000 }), l2: redisStore({ url: process.env.REDIS_URL, prefix: 'orders' }), l1Ttl: '1m' }),
 *   ttl: '5m',
 * }));
 * ```
 */
export function tieredStore(options: TieredStoreOptions): TieredStore {
  return new TieredStore(resolveTieredStoreOptions(options));
}
