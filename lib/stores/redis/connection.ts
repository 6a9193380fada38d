/**
 * The Redis connection of a store: loads the optional `ioredis` peer dependency lazily, creates
 * (or adopts) the client with settings that fail fast, and runs every operation under a bound.
 *
 * Why these settings (clients the store creates):
 * - `lazyConnect`: creating the store never connects, never throws for an unreachable server.
 * - the store's own gate: while the client is `reconnecting`/`close` (Redis known down), an
 *   operation rejects at once with a `BackendError` instead of joining ioredis' offline queue; the
 *   queue is only used while a connection is being established (first operation, reconnect).
 * - `maxRetriesPerRequest: 0`: when a connection drops, the commands waiting on it are rejected at
 *   once instead of being re-sent after a reconnect; `autoResendUnfulfilledCommands: false` too.
 * - `commandTimeout` = the store's timeout, plus the store's own timer around the whole operation
 *   (connecting included): an operation never waits longer than `commandTimeoutMs`.
 * - `connectTimeout` bounds a connect attempt; `retryStrategy` reconnects forever with a backoff
 *   capped at `maxReconnectDelayMs`, so caching resumes by itself when Redis comes back.
 * - an 'error' listener is always attached: never an "Unhandled error event".
 * - `enableAutoPipelining` (standalone): commands issued in the same tick share one write.
 */
import { isIP } from 'node:net';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import {
  BackendError,
  CacheClosedError,
  CacheflightError,
  MissingDependencyError,
  TimeoutError,
} from '../../cache/errors.js';
import type { ParsedRedisUrl, ResolvedRedisStoreOptions } from './options.js';

/** What the store needs from the `ioredis` module. */
export interface IoredisModule {
  readonly Redis: new (options: RedisOptions) => Redis;
  readonly Cluster: new (nodes: Array<{ host: string; port: number }>, options: ClusterOptions) => Cluster;
}

/**
 * Import `ioredis` (an optional peer dependency) on first need.
 *
 * @param specifier - the module to import; only tests change it
 * @throws MissingDependencyError when it is not installed
 */
export async function loadIoredis(specifier?: string): Promise<IoredisModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (specifier === undefined ? await import('ioredis') : await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError(
        `redisStore needs the "ioredis" package, an optional peer dependency of cacheflight that is not installed: ` +
          `run npm install ioredis (version 5 or later).`,
      );
    }
    throw new MissingDependencyError(`redisStore could not load "ioredis": ${(error as Error).message}. Reinstall it: npm install ioredis`);
  }
  const fallback = (mod['default'] ?? {}) as Record<string, unknown>;
  const RedisClass = mod['Redis'] ?? fallback['Redis'] ?? mod['default'];
  const ClusterClass = mod['Cluster'] ?? fallback['Cluster'];
  if (typeof RedisClass !== 'function' || typeof ClusterClass !== 'function') {
    throw new MissingDependencyError(`the installed "ioredis" has no Redis/Cluster classes; install ioredis 5 or later: npm install ioredis@latest`);
  }
  return { Redis: RedisClass as IoredisModule['Redis'], Cluster: ClusterClass as IoredisModule['Cluster'] };
}

/** The TLS options of a `rediss://` URL (SNI for host names; extra options merged in). */
function tlsOptions(url: ParsedRedisUrl, resolved: ResolvedRedisStoreOptions): RedisOptions['tls'] {
  if (!url.tls) return undefined;
  return { ...(isIP(url.host) === 0 ? { servername: url.host } : {}), ...(resolved.tls ?? {}) };
}

/** The ioredis options of a standalone client the store creates (exported for tests). */
export function standaloneClientOptions(url: ParsedRedisUrl, resolved: ResolvedRedisStoreOptions): RedisOptions {
  const tls = tlsOptions(url, resolved);
  return {
    host: url.host,
    port: url.port,
    db: url.db,
    ...(url.username !== undefined ? { username: url.username } : {}),
    ...(url.password !== undefined ? { password: url.password } : {}),
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: resolved.commandTimeoutMs,
    connectTimeout: resolved.connectTimeoutMs,
    enableAutoPipelining: true,
    connectionName: 'cacheflight',
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), resolved.maxReconnectDelayMs),
  };
}

/** The ioredis options of a Cluster client the store creates (exported for tests). */
export function clusterClientOptions(nodes: readonly ParsedRedisUrl[], resolved: ResolvedRedisStoreOptions): ClusterOptions {
  const first = nodes[0] as ParsedRedisUrl;
  const tls = tlsOptions(first, resolved);
  return {
    lazyConnect: true,
    enableOfflineQueue: true,
    // No auto-pipelining on a Cluster: a MOVED/ASK reply inside an automatic pipeline reaches the
    // caller instead of being followed (seen when a master restarts). The store sends the
    // commands of one operation concurrently anyway, one per shard.
    enableAutoPipelining: false,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, resolved.maxReconnectDelayMs),
    // Reconnect to a node that went away and came back at the same address (no replica took over).
    clusterNodeRetryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), resolved.maxReconnectDelayMs),
    retryDelayOnFailover: Math.max(10, Math.floor(resolved.commandTimeoutMs / 4)),
    retryDelayOnClusterDown: Math.max(10, Math.floor(resolved.commandTimeoutMs / 4)),
    slotsRefreshTimeout: Math.max(1000, resolved.commandTimeoutMs),
    redisOptions: {
      ...(first.username !== undefined ? { username: first.username } : {}),
      ...(first.password !== undefined ? { password: first.password } : {}),
      ...(tls ? { tls } : {}),
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: resolved.commandTimeoutMs,
      connectTimeout: resolved.connectTimeoutMs,
      connectionName: 'cacheflight',
    },
  };
}

/** Client states in which Redis is known to be unreachable: fail fast instead of queueing. */
const DOWN_STATES = new Set(['reconnecting', 'close', 'disconnecting']);

/** Owns (or borrows) one ioredis client and runs operations under the store's timeout. */
export class RedisConnection {
  /** `true` for a Cluster client. */
  readonly isCluster: boolean;
  readonly #options: ResolvedRedisStoreOptions;
  readonly #owned: boolean;
  readonly #loader: () => Promise<IoredisModule>;
  #client: Redis | Cluster | undefined;
  #clientPromise: Promise<Redis | Cluster> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #lastError: string | undefined;
  readonly #onError = (error: Error): void => {
    this.#lastError = this.#options.redact(error?.message ?? String(error));
  };

  /**
   * @param options - validated store options
   * @param loader - how to load ioredis (tests replace it)
   */
  constructor(options: ResolvedRedisStoreOptions, loader: () => Promise<IoredisModule> = () => loadIoredis()) {
    this.#options = options;
    this.#loader = loader;
    const target = options.target;
    this.isCluster = target.kind === 'nodes' || (target.kind === 'client' && target.client.isCluster);
    this.#owned = target.kind !== 'client';
    if (target.kind === 'client') {
      this.#client = target.client;
      target.client.on('error', this.#onError);
    } else {
      // Start loading ioredis now (creating a Redis store is the signal), without connecting.
      this.#clientPromise = this.#create();
      this.#clientPromise.catch(() => undefined);
    }
  }

  /** The client's state (`wait` before the first operation), for health details. */
  get status(): string {
    return this.#client?.status ?? (this.#closed ? 'end' : 'wait');
  }

  /** The last connection error seen (password redacted), if any. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  async #create(): Promise<Redis | Cluster> {
    const ioredis = await this.#loader();
    if (this.#closed) throw this.#closedError('connect');
    const target = this.#options.target;
    let client: Redis | Cluster;
    if (target.kind === 'url') client = new ioredis.Redis(standaloneClientOptions(target.url, this.#options));
    else if (target.kind === 'nodes') {
      client = new ioredis.Cluster(
        target.nodes.map((node) => ({ host: node.host, port: node.port })),
        clusterClientOptions(target.nodes, this.#options),
      );
    } else client = target.client;
    client.on('error', this.#onError);
    this.#client = client;
    return client;
  }

  #closedError(operation: string): CacheClosedError {
    return new CacheClosedError(`redis store "${this.#options.name}" is closed; ${operation}() is not possible. Create a new store.`);
  }

  /**
   * Run `fn` with the client, bounded by `commandTimeoutMs`; every failure becomes a typed error.
   *
   * @throws CacheClosedError after close; MissingDependencyError without ioredis;
   *   TimeoutError past the bound; BackendError for anything Redis or the client reports
   */
  async run<T>(operation: string, fn: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closedError(operation);
    const client = this.#client ?? (await (this.#clientPromise as Promise<Redis | Cluster>));
    if (this.#closed) throw this.#closedError(operation);
    const status = client.status;
    if (status === 'end' || DOWN_STATES.has(status)) {
      const why = this.#lastError ? `; last error: ${this.#lastError}` : '';
      throw new BackendError(
        `redis store "${this.#options.name}": ${operation} failed: not connected to Redis (${status === 'end' ? 'the client was closed' : status})${why}.`,
      );
    }
    const ms = this.#options.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        timer = setTimeout(() => reject(this.#timeout(operation)), ms);
        fn(client).then(resolve, reject);
      });
    } catch (error) {
      throw this.#map(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  #timeout(operation: string): TimeoutError {
    return new TimeoutError(`redis store "${this.#options.name}": ${operation} timed out after ${this.#options.commandTimeoutMs} ms.`);
  }

  /** A typed, password-free error for anything an operation threw. */
  #map(operation: string, error: unknown): Error {
    if (error instanceof CacheflightError) return error;
    const message = this.#options.redact(error instanceof Error ? error.message : String(error));
    if (/Command timed out/i.test(message)) return this.#timeout(operation);
    // A clean copy of the cause: ioredis errors carry the command and its arguments (AUTH has the password).
    const cause = new Error(message);
    if (error instanceof Error) cause.name = error.name;
    return new BackendError(`redis store "${this.#options.name}": ${operation} failed: ${message}`, cause);
  }

  /** Close: quit a client the store owns (or was told to close), bounded; idempotent. */
  close(): Promise<void> {
    if (!this.#closing) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const target = this.#options.target;
    const shouldQuit = this.#owned || (target.kind === 'client' && target.closeClient);
    let client = this.#client;
    if (!client && this.#clientPromise) client = await this.#clientPromise.catch(() => undefined);
    if (!client) return;
    if (!shouldQuit) {
      client.off('error', this.#onError);
      return;
    }
    if (client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.quit().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(this.#options.commandTimeoutMs, 500)))),
      ]);
      clearTimeout(timer);
    }
    if (client.status !== 'end') client.disconnect();
  }
}
