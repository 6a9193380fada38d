/**
 * An ioredis client as the Redis store's `client` option takes it: a `Redis` (standalone or
 * Sentinel) or a `Cluster` the application made. Declared by shape rather than imported from
 * ioredis, so that the published types do not need ioredis installed (it is an optional peer
 * dependency, absent from applications that only cache in memory). Any ioredis 5 or 6 client
 * fits; the store checks the same shape at run time.
 */
export interface IoredisClient {
  /** ioredis' connection state, e.g. `'ready'`. */
  readonly status: string;
  /** `true` for a Cluster client. */
  readonly isCluster: boolean;
  /** Runs a Lua script by its SHA1 (the store's writes and deletes). */
  evalsha(...args: never[]): unknown;
  /** Subscribes to client events (the store listens for `'error'`). */
  on(event: 'error', listener: (error: Error) => void): unknown;
}
