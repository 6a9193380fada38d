/**
 * The Redis store, on ioredis (an optional peer dependency, loaded when a Redis store is created).
 *
 * ```ts
 * createCache({ store: redisStore({ url: process.env.REDIS_URL, prefix: 'orders' }) });
 * createCache({ store: redisStore({ nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] }) }); // Cluster
 * createCache({ store: redisStore({ sentinels: [{ host: '10.0.0.1', port: 26379 }], masterName: 'mymaster' }) }); // Sentinel
 * createCache({ store: redisStore({ client: myIoredisClientOrCluster }) });
 * ```
 *
 * ## Layout and the generation scheme (no SCAN, no KEYS)
 *
 * An entry of the Store key `namespace:id` lives at `prefix:namespace:id` (on a Cluster,
 * `prefix:{s}:namespace:id`, where `{s}` is the hash tag of one of `clusterShards` shards). Every
 * key the store writes, and the tiered store's bus channel, starts with `prefix:`, so one ACL
 * pattern (`~prefix:* &prefix:*`) and one `SCAN MATCH prefix:*` cover them all. Its
 * value is an envelope `cf2:<expiresAt>:<tokens...>:<payload>` written with ONE
 * `SET key envelope PX ms` (TTL in whole ms, fractions rounded up; no PX for Infinity), never SET
 * then EXPIRE. `expiresAt` is the writer's `Date.now()` + that PX, so a hit needs no PTTL (Redis
 * still expires the key itself, by the PX).
 *
 * Invalidation is by generation keys, each holding a random token:
 *
 *     prefix::all           whole prefix   (clear)
 *     prefix::ns:<ns>       one namespace  (deleteNamespace, allEntries eviction)
 *     prefix::tag:<tag>     one tag        (invalidateTags)
 *
 * (`::`: a Store key never starts with `:`, so these never collide with an entry.) A generation
 * key holding anything but a token the store writes (another program's value, a `:`, another
 * type) counts as an invalidation; the next write replaces it with a fresh token.
 *
 * A write (a Lua script, atomic) reads the tokens of the prefix, of the entry's namespace and of
 * each of its tags — creating a missing generation key with a fresh token — and records them in
 * the envelope. Invalidating is `DEL` of one generation key: O(1), whatever the number of
 * entries. Because tokens are unique (random per process + counter) and never reused, a
 * generation key that is deleted, expires or is evicted by Redis (allkeys-lru) can only make
 * entries stale, never bring an old entry back.
 *
 * A read is ONE plain `MGET` — no script: the entry, the prefix generation key and the
 * namespace generation key (all in the entry's shard, so one hash slot on a Cluster), plus the
 * tag generation keys the entry is expected to carry. The client parses the envelope and answers
 * the entry only if every recorded token equals its generation key's value in that same reply
 * (one atomic snapshot; a missing generation key means stale). The tags of an entry are only
 * known once it is read, so the store remembers the tags last seen per key and per namespace
 * (bounded hints, see `redis/reader.ts`): a tagged hit is one round trip once its tags are known,
 * and two (a second MGET for the tag generation keys not named) the first time; an untagged hit
 * is always one. Hints only choose which keys to read: the check is always against the tags the
 * envelope recorded. Reading a tag's token after the entry is sound because tokens are never
 * reused.
 *
 * Batching: the reads issued in one tick (the callers woken by one reply, a getMany...) share ONE
 * `MGET` per shard, each generation key named once; the writes of one tick share one script call
 * per shard. A tick's writes are sent before its reads, and pending writes before any delete or
 * invalidation, so operations keep the order they were issued in.
 *
 * Stale entries found by a read are dropped in the background (fire-and-forget, errors
 * swallowed) by a tiny script that deletes the key only while it still starts with the stale
 * header, so a fresh write racing the drop is never lost; the others leave with their TTL (so
 * prefer finite TTLs: an invalidated entry written without expiry stays in memory until it is
 * read or overwritten, or Redis evicts it). A key holding another program's value of another type
 * (a hash...) reads as absent; the write that replaces it reports it (`decode-error` notice).
 *
 * Redis Cluster: a Lua script or an MGET may only touch keys of one hash slot, and entries of one
 * namespace should not all sit on one node. So keys are grouped in `clusterShards` (default 16)
 * shards whose hash tags fall in evenly spaced slots; an entry's shard is a hash of its key; each
 * shard has its own copy of the generation keys next to its entries. A read or write is one
 * command per shard involved (a single get: one MGET); `deleteNamespace`, a tag, or `clear` is one
 * `DEL` per shard (16 tiny commands sent concurrently) — still O(1) in the number of entries.
 * Every process sharing a prefix must use the same `clusterShards`.
 *
 * ## Failures
 *
 * Every operation is bounded by `commandTimeoutMs` (default 200 ms), connecting included (one
 * timer per connection watches every call in flight, not one per operation). While
 * Redis is down operations reject at once with `BackendError` (the client's offline queue is not
 * used as a waiting room); while it hangs they reject with `TimeoutError`. Reconnection is
 * automatic. Errors say which server, what failed and what to check, with the client's error as
 * `cause`. With Sentinels, a master that went away is the same outage (operations fail at once)
 * until the Sentinels promote a replica and the client reaches it; so is no Sentinel answering.
 * A database the server refuses (past its `databases` setting) fails every operation:
 * the store never falls back to database 0. A payload that does not decode is a miss and a `decode-error` notice. Passwords (of
 * URLs, `password`, `sentinelPassword`) never appear in names, messages, causes or health output.
 */
import type { IoredisModule } from './redis/connection.js';
import { type RedisStoreOptions, resolveRedisStoreOptions } from './redis/options.js';
import { RedisStore } from './redis/store.js';

export {
  DEFAULT_CLUSTER_SHARDS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_PREFIX,
  type RedisSentinelAddress,
  type RedisStoreOptions,
} from './redis/options.js';
export { RedisStore, type RedisStoredEntry } from './redis/store.js';
export type { IoredisClient } from './redis/client.js';

/**
 * A {@link Store} on Redis: standalone (`url`), Cluster (`nodes`), Sentinel (`sentinels` and
 * `masterName`), or a client you made (`client`).
 *
 * With Sentinels the store asks them for the current master and, after a failover, reconnects to
 * the one they promoted: while the master is unreachable operations fail fast (the calls run
 * uncached), and caching resumes on the new master by itself. The master group is given as
 * `masterName` (ioredis' `name`), because `name` is the store's display name for logs and health.
 *
 * Never connects and never throws for an unreachable server: the first operation connects.
 *
 * @param options - see {@link RedisStoreOptions}
 * @throws InvalidOptionError when an option is unknown or invalid (passwords masked in the message)
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(resolveRedisStoreOptions(options));
}

/** @internal For tests: a store whose ioredis comes from `loader` (e.g. to simulate it missing). */
export function redisStoreWithLoader(options: RedisStoreOptions, loader: () => Promise<IoredisModule>): RedisStore {
  return new RedisStore(resolveRedisStoreOptions(options), loader);
}
