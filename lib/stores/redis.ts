/**
 * The Redis store, on ioredis (an optional peer dependency, loaded when a Redis store is created).
 *
 * ```ts
 * createCache({ store: redisStore({ url: process.env.REDIS_URL, prefix: 'orders' }) });
 * createCache({ store: redisStore({ nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] }) }); // Cluster
 * createCache({ store: redisStore({ client: myIoredisClientOrCluster }) });
 * ```
 *
 * ## Layout and the generation scheme (no SCAN, no KEYS)
 *
 * An entry of the Store key `namespace:id` lives at `prefix:namespace:id` (on a Cluster,
 * `prefix{s}:namespace:id`, where `{s}` is the hash tag of one of `clusterShards` shards). Its
 * value is an envelope `cf1:<tokens...>:<payload>` written with ONE `SET key envelope PX ms`
 * (TTL in whole ms, fractions rounded up; no PX for Infinity), never SET then EXPIRE.
 *
 * Invalidation is by generation keys, each holding a random token:
 *
 *     prefix#all            whole prefix   (clear)
 *     prefix#ns:<ns>        one namespace  (deleteNamespace, allEntries eviction)
 *     prefix#tag:<tag>      one tag        (invalidateTags)
 *
 * A write (Lua, atomic) reads the tokens of the prefix, of the entry's namespace and of each of its
 * tags — creating a missing generation key with a fresh token — and records them in the envelope.
 * A read (Lua, atomic, ONE round trip) answers the entry only if every recorded token is still the
 * current one. Invalidating is `DEL` of one generation key: O(1), whatever the number of entries.
 * Because tokens are unique (random per process + counter) and never reused, a generation key that
 * is deleted, expires or is evicted by Redis (allkeys-lru) can only make entries stale, never bring
 * an old entry back. Stale entries are deleted when read, and otherwise leave with their TTL (so
 * prefer finite TTLs: an invalidated entry written without expiry stays in memory until it is read
 * or overwritten, or Redis evicts it).
 *
 * Redis Cluster: a Lua script may only touch keys of one hash slot, and entries of one namespace
 * should not all sit on one node. So keys are grouped in `clusterShards` (default 16) shards whose
 * hash tags fall in evenly spaced slots; an entry's shard is a hash of its key; each shard has its
 * own copy of the generation keys next to its entries. A read or write is one script call per
 * shard involved (a single get: one call); `deleteNamespace`, a tag, or `clear` is one `DEL` per
 * shard (16 tiny commands sent concurrently) — still O(1) in the
 * number of entries. Every process sharing a prefix must use the same `clusterShards`.
 *
 * ## Failures
 *
 * Every operation is bounded by `commandTimeoutMs` (default 200 ms), connecting included. While
 * Redis is down operations reject at once with `BackendError` (the client's offline queue is not
 * used as a waiting room); while it hangs they reject with `TimeoutError`. Reconnection is
 * automatic. A payload that does not decode is a miss and a `decode-error` notice. Passwords of
 * URLs never appear in names, messages, causes or health output.
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
  type RedisStoreOptions,
} from './redis/options.js';
export { RedisStore } from './redis/store.js';

/**
 * A {@link Store} on Redis (standalone, Sentinel through `client`, or Cluster).
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
