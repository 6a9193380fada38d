/**
 * cacheflight: memoize TypeScript service methods with decorators, through one cache that the
 * application registers at startup.
 *
 * @packageDocumentation
 */
export { Cache, createCache, type CacheHealth, type CacheOptions, type GetOrSetOptions, type SetOptions } from './cache/cache.js';
export { getCache, registerCache, unregisterCache } from './cache/registry.js';
export type { CacheEventListener, CacheEventMap, CacheEventName, CacheWriteEventMap, StoreOperation } from './cache/events.js';
export { TRACING_CHANNELS, type CacheTraceContext, type ReadOutcome } from './cache/tracing.js';
export type { FreshnessOptions } from './cache/load/freshness.js';
export type { SingleFlightOptions } from './cache/load/single-flight-options.js';
export type { CacheStats } from './cache/stats.js';
export type { Immutability } from './cache/immutability.js';
export type { StorePolicyOptions } from './cache/load/policy.js';
export { parseDuration, type Duration, type DurationUnit } from './core/durations.js';
export { BACKEND_WARNING_CODE } from './cache/backend-warning.js';
export {
  BackendError,
  CacheClosedError,
  CacheflightError,
  CacheKeyError,
  DecodeError,
  DecoratorTargetError,
  InvalidOptionError,
  InvalidTtlError,
  MissingDependencyError,
  NamespaceConflictError,
  NoCacheRegisteredError,
  TimeoutError,
  UnknownMethodError,
  type CacheflightErrorCode,
} from './core/errors.js';
export { Cacheable, type CacheableOptions } from './decorators/cacheable.js';
export { memoize, type MemoizedFunction, type MemoizeOptions } from './decorators/memoize.js';
export { CacheEvict, type CacheEvictOptions } from './decorators/cache-evict.js';
export { CachePut, type CachePutOptions } from './decorators/cache-put.js';
export type { TargetOptions } from './decorators/target-entry.js';
export type { AsyncMethodDecorator, CacheSelection, NoInference } from './decorators/types.js';
export { encodeArgs } from './keys/encode-args.js';
export { cacheKey, type CacheKeyed } from './keys/cache-key.js';
export { memoryStore, type MemoryStore, type MemoryStoreOptions, type MemoryStorePolicy, type MemoryStoreStats } from './stores/memory.js';
export {
  DEFAULT_CLUSTER_SHARDS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_PREFIX,
  redisStore,
  RedisStore,
  type RedisStoredEntry,
  type IoredisClient,
  type RedisSentinelAddress,
  type RedisStoreOptions,
} from './stores/redis.js';
export { DEFAULT_BUS_HEARTBEAT_MS, DEFAULT_OUTAGE_STALENESS, tieredStore, TieredStore, type BusState, type TieredStoreOptions, type TieredStoreStats } from './stores/tiered.js';
export { decodeTagged, defaultSerializer, encodeTagged, taggedJsonSerializer, type Serializer } from './serializers/index.js';
export type {
  ClaimOptions,
  DecodeErrorNotice,
  EntryKey,
  EvictionCause,
  LoadClaim,
  LoadCoordinator,
  LoadLease,
  MaybePromise,
  Store,
  StoredEntry,
  StoreEviction,
  StoreEvictionListener,
  StoreHealth,
  StoreNotice,
  StoreSetOptions,
  StoreWrite,
  TooLargeNotice,
  ValueSharing,
} from './stores/store.js';
export { joinKey, splitKey } from './stores/store.js';
