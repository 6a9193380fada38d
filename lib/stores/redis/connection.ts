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
 * - the store's own deadline around each call, connecting included: an operation never waits
 *   longer than `commandTimeoutMs`. Deadlines share ONE timer per connection ({@link Deadlines}),
 *   so a call costs no `setTimeout`; and the store batches the reads (and the writes) of one tick
 *   into one call per shard. A standalone client the store creates gets no ioredis
 *   `commandTimeout` (it would arm a timer per command for a bound the store already keeps); a
 *   Cluster client keeps it on its node connections.
 * - `connectTimeout` bounds a connect attempt; `retryStrategy` reconnects forever with a backoff
 *   capped at `maxReconnectDelayMs`, so caching resumes by itself when Redis comes back.
 * - an 'error' listener is always attached: never an "Unhandled error event".
 * - no `enableAutoPipelining`: the store already sends one command per shard per tick for its
 *   reads and writes, and ioredis' automatic pipeline would delay each of them by an event-loop
 *   turn (`setImmediate`). Commands go out in the order the store issues them.
 * - a database other than 0 is verified: ioredis reports a refused `SELECT` (a database past the
 *   server's `databases` setting, an ACL without SELECT) as an 'error' event and then goes 'ready'
 *   on database 0 anyway. So with such a database the store never hands a command to a client
 *   that is not 'ready' (no offline queue: a queued command would run on database 0 before the
 *   refusal is known), and while the current connection's SELECT was refused every operation
 *   fails with a `BackendError` naming the database: nothing is ever written elsewhere.
 */
import { isIP } from 'node:net';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import {
  BackendError,
  CacheClosedError,
  CacheflightError,
  MissingDependencyError,
  TimeoutError,
} from '../../core/errors.js';
import type { IoredisClient } from './client.js';
import { ioredisLoadError } from './ioredis-load-error.js';
import { explainFailure, explainRefusedDatabase, type FailureExplanation, isConnectionDrop, isSelectRefusal, SENTINELS_UNREACHABLE } from './failure.js';
import { formatAddress, type ParsedRedisUrl, type ResolvedRedisStoreOptions, type ResolvedSentinelTarget } from './options.js';

/** An application's client, checked by shape when the options were validated, as ioredis types it. */
function appClient(client: IoredisClient): Redis | Cluster {
  return client as unknown as Redis | Cluster;
}

/** What the store needs from the `ioredis` module. */
export interface IoredisModule {
  readonly Redis: new (options: RedisOptions) => Redis;
  readonly Cluster: new (nodes: Array<{ host: string; port: number }>, options: ClusterOptions) => Cluster;
}

/**
 * Import `ioredis` (an optional peer dependency) on first need.
 *
 * @param specifier - the module to import; only tests change it
 * @throws MissingDependencyError when it is not installed, or a bundler broke it
 */
export async function loadIoredis(specifier?: string): Promise<IoredisModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (specifier === undefined ? await import('ioredis') : await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw ioredisLoadError(error, specifier);
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
    connectTimeout: resolved.connectTimeoutMs,
    enableAutoPipelining: false,
    connectionName: 'cacheflight',
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), resolved.maxReconnectDelayMs),
  };
}

/**
 * The ioredis options of a Sentinel client the store creates (exported for tests): the settings
 * of {@link standaloneClientOptions} (lazy connect, fail fast, reconnect forever with the same
 * backoff), plus the Sentinel ones. `role: 'master'`: ioredis checks the node it reached is the
 * master and asks the Sentinels again otherwise (an old master back as a replica). Asking the
 * Sentinels is bounded by `connectTimeoutMs` per Sentinel, and when none answers ioredis starts
 * over after the same backoff, forever (a `sentinelRetryStrategy` answering `null` would end the
 * client for good).
 */
export function sentinelClientOptions(sentinel: ResolvedSentinelTarget, resolved: ResolvedRedisStoreOptions): RedisOptions {
  const backoff = (times: number): number => Math.min(50 * 2 ** Math.min(times - 1, 10), resolved.maxReconnectDelayMs);
  const tls = sentinel.tls ? { ...(resolved.tls ?? {}) } : undefined;
  return {
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    role: 'master',
    db: sentinel.db,
    ...(sentinel.username !== undefined ? { username: sentinel.username } : {}),
    ...(sentinel.password !== undefined ? { password: sentinel.password } : {}),
    ...(sentinel.sentinelUsername !== undefined ? { sentinelUsername: sentinel.sentinelUsername } : {}),
    ...(sentinel.sentinelPassword !== undefined ? { sentinelPassword: sentinel.sentinelPassword } : {}),
    ...(tls ? { tls, sentinelTLS: { ...tls }, enableTLSForSentinelMode: true } : {}),
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: resolved.connectTimeoutMs,
    sentinelCommandTimeout: resolved.connectTimeoutMs,
    enableAutoPipelining: false,
    connectionName: 'cacheflight',
    retryStrategy: backoff,
    sentinelRetryStrategy: backoff,
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

/**
 * Settings of a subscriber connection ({@link RedisConnection.createSubscriber}): it connects when
 * told to, and its owner subscribes again on every 'ready' (knowing when a subscription is live
 * is the point: messages published while it was not are lost).
 */
const SUBSCRIBER_SETTINGS = { lazyConnect: true, autoResubscribe: false, enableAutoPipelining: false } as const;

/** Reconnect attempts of a Cluster node subscriber before it ends (its owner then picks another node). */
const NODE_SUBSCRIBER_ATTEMPTS = 3;

/** Client states in which Redis is known to be unreachable: fail fast instead of queueing. */
const DOWN_STATES = new Set(['reconnecting', 'close', 'disconnecting']);

/** Raw rejection of {@link RedisConnection.execute}: the store was closed. */
const CLOSED: unique symbol = Symbol('closed');
/** Raw rejection of {@link RedisConnection.execute}: the deadline passed. */
const TIMED_OUT: unique symbol = Symbol('timed out');

/** Raw rejection of {@link RedisConnection.execute}: Redis is known to be unreachable. */
class Unavailable {
  constructor(readonly why: string) {}
}

/** Marks an adopted connection whose database is not checked yet (see `RedisConnection.#verifyThen`). */
const UNVERIFIED = new Error('not verified yet');

/** Raw rejection of {@link RedisConnection.execute}: the server refused the database of the connection. */
class DatabaseRefused {
  constructor(readonly error: Error) {}
}

/**
 * A password-free copy of a client error, to keep and to give as a `cause`: ioredis errors carry
 * the command and its arguments (AUTH's are the password), so only the command's name is kept.
 */
function cleanError(error: unknown, redact: (text: string) => string): Error {
  const copy = new Error(redact(error instanceof Error ? error.message : String(error)));
  if (error instanceof Error) copy.name = error.name;
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const fields = copy as unknown as Record<string, unknown>;
  for (const field of ['code', 'errno', 'syscall', 'address', 'port'] as const) {
    if (typeof record[field] === 'string' || typeof record[field] === 'number') fields[field] = record[field];
  }
  const command = record['command'] as { name?: unknown } | undefined;
  if (typeof command?.name === 'string') fields['command'] = { name: command.name };
  return copy;
}

/** One call waiting on {@link Deadlines}. */
interface PendingCall {
  readonly deadline: number;
  readonly expire: (reason: typeof TIMED_OUT) => void;
  done: boolean;
}

/**
 * The deadlines of the calls in flight, watched by ONE timer (instead of a `setTimeout` and a
 * `clearTimeout` per call). The timer is armed for the earliest deadline when there is none; when
 * it fires it expires every call past its deadline, drops the settled ones and re-arms for the
 * earliest left. Settled calls are dropped at once when they are at either end of the list (the
 * usual case: calls settle in the order they were sent). The timer is `unref`ed: a pending call
 * is always tied to a socket or a connect attempt that keeps the process alive.
 */
export class Deadlines {
  #calls: PendingCall[] = [];
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  readonly #fire = (): void => this.#sweep();

  /** Watch a call; `expire` runs (with the timed-out marker) if it is still pending at `deadline`. */
  add(deadline: number, expire: (reason: typeof TIMED_OUT) => void): PendingCall {
    const call: PendingCall = { deadline, expire, done: false };
    this.#calls.push(call);
    if (deadline < this.#armedFor) this.#arm(deadline);
    return call;
  }

  /** The call answered (or failed) before its deadline. */
  settle(call: PendingCall): void {
    call.done = true;
    const calls = this.#calls;
    while (calls.length > 0 && (calls[calls.length - 1] as PendingCall).done) calls.pop();
    if (calls.length > 0 && (calls[0] as PendingCall).done) {
      let first = 1;
      while (first < calls.length && (calls[first] as PendingCall).done) first++;
      if (first >= 64 || first * 2 >= calls.length) calls.splice(0, first);
    }
  }

  /** Number of calls watched (settled ones not dropped yet included); for tests. */
  get size(): number {
    return this.#calls.length;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(deadline - performance.now())));
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    const left: PendingCall[] = [];
    let next = Infinity;
    for (const call of this.#calls) {
      if (call.done) continue;
      if (call.deadline <= now) {
        call.done = true;
        call.expire(TIMED_OUT);
      } else {
        left.push(call);
        if (call.deadline < next) next = call.deadline;
      }
    }
    this.#calls = left;
    if (next !== Infinity) this.#arm(next);
  }
}

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
  readonly #deadlines = new Deadlines();
  #closing: Promise<void> | undefined;
  /** Rotation over Cluster nodes for {@link createSubscriber}. */
  #nextNode = 0;
  #lastError: string | undefined;
  /** The database the connection must be on (0 on a Cluster). */
  readonly #database: number;
  /** Commands wait for 'ready' (and the SELECT's verdict) instead of joining the offline queue. */
  readonly #verifyDatabase: boolean;
  /** The current connection's SELECT was refused (cleared when a new connection starts). */
  #refusal: Error | undefined;
  /** The last connection-level error since the client was last ready (password-free). */
  #connectionError: Error | undefined;
  /** The `CLIENT INFO` check of an adopted connection, while it runs (see {@link #verifyThen}). */
  #verifying: Promise<void> | undefined;
  /** Resolves when the client's next connection attempt settles (see {@link #whenReady}). */
  #settling: Promise<void> | undefined;
  /**
   * A Sentinel client asked every Sentinel and none answered: it stays 'connecting' while it asks
   * them again, so the store treats it as down (fail fast) until a connection to a master starts.
   */
  #sentinelsUnreachable = false;
  readonly #onError = (error: Error): void => {
    this.#lastError = this.#options.redact(error?.message ?? String(error));
    if (isSelectRefusal(error)) this.#refusal = cleanError(error, this.#options.redact);
    else this.#connectionError = cleanError(error, this.#options.redact);
    if (SENTINELS_UNREACHABLE.test(String(error?.message))) this.#sentinelsUnreachable = true;
  };
  readonly #onConnect = (): void => {
    this.#refusal = undefined; // a new connection: its SELECT has not answered yet
    this.#sentinelsUnreachable = false;
  };
  readonly #onReady = (): void => {
    this.#connectionError = undefined;
    this.#sentinelsUnreachable = false;
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
    this.#database = this.#configuredDatabase();
    this.#verifyDatabase = !this.isCluster && this.#database !== 0;
    if (target.kind === 'client') {
      this.#client = appClient(target.client);
      this.#listen(this.#client);
      // Connected before the store saw it: whether its SELECT was refused is asked on first use.
      if (this.#verifyDatabase && this.#client.status === 'ready') this.#refusal = UNVERIFIED;
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

  /** The database number of the connection (always 0 on a Cluster). */
  get database(): number {
    return this.#database;
  }

  #configuredDatabase(): number {
    const target = this.#options.target;
    if (target.kind === 'url') return target.url.db;
    if (target.kind === 'sentinel') return target.sentinel.db;
    if (target.kind === 'nodes' || target.client.isCluster) return 0;
    const db = (appClient(target.client) as Redis).options?.db;
    return typeof db === 'number' ? db : 0;
  }

  /** `host:port` the store itself connects to (not known for a client it was given). */
  get #address(): string | undefined {
    const target = this.#options.target;
    if (target.kind === 'url') return formatAddress(target.url);
    if (target.kind === 'nodes') return target.nodes.map(formatAddress).join(',');
    if (target.kind === 'sentinel') return `master "${target.sentinel.masterName}" via Sentinels ${target.sentinel.sentinels.map(formatAddress).join(',')}`;
    return undefined;
  }

  /** `'sentinel'` when the client finds its master through Sentinels, else `'cluster'` or `'standalone'`. */
  get mode(): 'standalone' | 'cluster' | 'sentinel' {
    if (this.isCluster) return 'cluster';
    const target = this.#options.target;
    if (target.kind === 'sentinel') return 'sentinel';
    if (target.kind === 'client') {
      const sentinels = (appClient(target.client) as Redis).options?.sentinels;
      if (Array.isArray(sentinels) && sentinels.length > 0) return 'sentinel';
    }
    return 'standalone';
  }

  #listen(client: Redis | Cluster): void {
    client.on('error', this.#onError);
    client.on('connect', this.#onConnect);
    client.on('ready', this.#onReady);
  }

  #unlisten(client: Redis | Cluster): void {
    client.off('error', this.#onError);
    client.off('connect', this.#onConnect);
    client.off('ready', this.#onReady);
  }

  /**
   * A new, unconnected client for SUBSCRIBE, made like this connection's (see
   * `RedisPubSub.createSubscriber` in `store.ts`; with Sentinels, a Sentinel client of its own
   * that follows the master through a failover). On a Cluster: a plain connection to one node,
   * rotating over the known nodes on each call.
   *
   * @throws CacheClosedError after close; MissingDependencyError without ioredis; BackendError
   *   on a Cluster whose nodes are not known yet
   */
  async createSubscriber(): Promise<Redis> {
    if (this.#closed) throw this.#closedError('subscribe');
    const target = this.#options.target;
    if (target.kind === 'url') {
      const ioredis = await this.#loader();
      if (this.#closed) throw this.#closedError('subscribe');
      return new ioredis.Redis({ ...standaloneClientOptions(target.url, this.#options), ...SUBSCRIBER_SETTINGS, connectionName: 'cacheflight-bus' });
    }
    if (target.kind === 'sentinel') {
      // Its own Sentinel client: it finds the current master, and the new one after a failover.
      const ioredis = await this.#loader();
      if (this.#closed) throw this.#closedError('subscribe');
      return new ioredis.Redis({ ...sentinelClientOptions(target.sentinel, this.#options), ...SUBSCRIBER_SETTINGS, connectionName: 'cacheflight-bus' });
    }
    if (target.kind === 'client' && !target.client.isCluster) return (appClient(target.client) as Redis).duplicate(SUBSCRIBER_SETTINGS);
    const cluster = (this.#client ?? (await this.#clientPromise)) as Cluster;
    const nodes = cluster.nodes('all');
    if (nodes.length === 0) {
      throw new BackendError(`redis store "${this.#options.name}": no Cluster node is known yet to subscribe on; retry once the Cluster is connected.`);
    }
    const node = nodes[this.#nextNode++ % nodes.length] as Redis;
    const maxDelay = this.#options.maxReconnectDelayMs;
    return node.duplicate({
      ...SUBSCRIBER_SETTINGS,
      readOnly: false,
      retryStrategy: (times: number) => (times > NODE_SUBSCRIBER_ATTEMPTS ? null : Math.min(50 * 2 ** (times - 1), maxDelay)),
    });
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
    else if (target.kind === 'sentinel') client = new ioredis.Redis(sentinelClientOptions(target.sentinel, this.#options));
    else if (target.kind === 'nodes') {
      client = new ioredis.Cluster(
        target.nodes.map((node) => ({ host: node.host, port: node.port })),
        clusterClientOptions(target.nodes, this.#options),
      );
    } else client = appClient(target.client);
    this.#listen(client);
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
    try {
      return await this.execute(fn, performance.now() + this.#options.commandTimeoutMs);
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  /**
   * Run `fn` with the client, rejecting at `deadline` (a `performance.now()` time). Rejects with
   * raw errors: turn them into typed ones with {@link failure}. One call, one timer, however many
   * Store operations `fn` serves (the store batches the reads of one tick into one call).
   */
  execute<T>(fn: (client: Redis | Cluster) => Promise<T>, deadline: number): Promise<T> {
    const client = this.#client;
    if (client === undefined || this.#closed) return this.#executeLater(fn, deadline);
    if (client.status !== 'ready') {
      const unavailable = this.#unavailable(client);
      if (unavailable !== undefined) return Promise.reject(unavailable);
      if (this.#verifyDatabase) return this.#whenReady(client, fn, deadline);
    }
    const refusal = this.#refusal;
    if (refusal !== undefined) return refusal === UNVERIFIED ? this.#verifyThen(client, fn, deadline) : Promise.reject(new DatabaseRefused(refusal));
    return new Promise<T>((resolve, reject) => {
      let work: Promise<T>;
      try {
        work = fn(client);
      } catch (error) {
        reject(error);
        return;
      }
      const deadlines = this.#deadlines;
      const pending = deadlines.add(deadline, reject);
      work.then(
        (value) => {
          deadlines.settle(pending);
          resolve(value);
        },
        (error: unknown) => {
          deadlines.settle(pending);
          reject(error);
        },
      );
    });
  }

  /**
   * {@link execute} once the client is 'ready' (or its connection attempt failed), for a
   * connection whose database must be verified first; bounded by the same deadline.
   */
  #whenReady<T>(client: Redis | Cluster, fn: (client: Redis | Cluster) => Promise<T>, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadlines = this.#deadlines;
      const pending = deadlines.add(deadline, reject);
      this.#settled(client).then(() => {
        if (pending.done) return; // timed out meanwhile
        deadlines.settle(pending);
        // Still not ready (closed, reconnecting): execute fails fast; ready: it checks the refusal.
        const status = client.status;
        if (status !== 'ready' && this.#unavailable(client) === undefined) reject(new Unavailable(`the connection attempt did not succeed; ${status}`));
        else this.execute(fn, deadline).then(resolve, reject);
      });
    });
  }

  /**
   * For a client that was already connected when the store got it: ask the server which database
   * the connection is on (`CLIENT INFO`, Redis >= 6.2; older servers cannot tell, and the store
   * trusts the client), then {@link execute}.
   */
  #verifyThen<T>(client: Redis | Cluster, fn: (client: Redis | Cluster) => Promise<T>, deadline: number): Promise<T> {
    const database = this.#database;
    this.#verifying ??= (client as Redis)
      .call('CLIENT', 'INFO')
      .then(
        (info) => {
          const on = /(?:^|\s)db=(\d+)/.exec(String(info))?.[1];
          if (this.#refusal !== UNVERIFIED) return;
          this.#refusal =
            on !== undefined && Number(on) !== database
              ? new Error(`the connection is on database ${on}: its SELECT ${database} was refused before the store got the client`)
              : undefined;
        },
        () => {
          if (this.#refusal === UNVERIFIED) this.#refusal = undefined;
        },
      )
      .finally(() => {
        this.#verifying = undefined;
      });
    const verifying = this.#verifying;
    return new Promise<T>((resolve, reject) => {
      const pending = this.#deadlines.add(deadline, reject);
      verifying.then(() => {
        if (pending.done) return;
        this.#deadlines.settle(pending);
        this.execute(fn, deadline).then(resolve, reject); // the check always settles the mark
      });
    });
  }

  /** Resolves once the client is 'ready' or its connection attempt ended ('close', 'end'); connects a lazy client. */
  #settled(client: Redis | Cluster): Promise<void> {
    return (this.#settling ??= new Promise<void>((resolve) => {
      const done = (): void => {
        client.off('ready', done);
        client.off('close', done);
        client.off('end', done);
        this.#settling = undefined;
        resolve();
      };
      client.on('ready', done);
      client.on('close', done);
      client.on('end', done);
      if (client.status === 'wait') (client as Redis).connect().catch(() => undefined);
    }));
  }

  /** {@link execute} before the client exists (ioredis still loading) or after close. */
  async #executeLater<T>(fn: (client: Redis | Cluster) => Promise<T>, deadline: number): Promise<T> {
    if (this.#closed) throw CLOSED;
    await (this.#clientPromise as Promise<Redis | Cluster>);
    // Loading ioredis (about 100 ms on a cold start) is not Redis latency: the operation's
    // bound starts again once the client exists.
    return this.execute(fn, Math.max(deadline, performance.now() + this.#options.commandTimeoutMs));
  }

  /** Why the client cannot take commands now (closed, or Redis known down), if it cannot. */
  #unavailable(client: Redis | Cluster): Unavailable | undefined {
    const status = client.status;
    if (status === 'end' || DOWN_STATES.has(status)) {
      return new Unavailable(status === 'end' ? 'the client was closed' : status === 'reconnecting' ? 'the connection closed; reconnecting' : status);
    }
    if (status === 'connecting' && this.#sentinelsUnreachable) return new Unavailable('no Sentinel answered; asking them again');
    return undefined;
  }

  /**
   * The client when it can take a command right now (for fire-and-forget housekeeping), else
   * `undefined`.
   */
  readyClient(): Redis | Cluster | undefined {
    const client = this.#client;
    return client !== undefined && !this.#closed && client.status === 'ready' ? client : undefined;
  }

  /**
   * The typed, password-free error of a failed operation: `CacheClosedError`, `TimeoutError`,
   * `BackendError` (CacheflightErrors pass through).
   */
  failure(operation: string, error: unknown): Error {
    if (error === CLOSED) return this.#closedError(operation);
    if (error === TIMED_OUT) return this.#timeout(operation);
    if (error instanceof DatabaseRefused) return this.#backend(operation, explainRefusedDatabase(this.#database, error.error), error.error);
    if (error instanceof Unavailable || isConnectionDrop(error)) return this.#notConnected(operation, error);
    return this.#map(operation, error);
  }

  #backend(operation: string, explained: FailureExplanation, cause: unknown): BackendError {
    return new BackendError(`redis store "${this.#options.name}": ${operation} failed: ${explained.what}. Check ${explained.check}.`, cause);
  }

  /**
   * No connection to run the command on (known down, or the connection failed under it): say
   * why from the connection error seen last, which is also the cause.
   */
  #notConnected(operation: string, error: unknown): BackendError {
    const refusal = this.#refusal;
    if (refusal !== undefined) return this.#backend(operation, explainRefusedDatabase(this.#database, refusal), refusal);
    const seen = this.#connectionError;
    if (seen !== undefined) {
      const explained = explainFailure(seen, this.#address, this.#options.prefix);
      return this.#backend(operation, { what: `not connected: ${explained.what}`, check: explained.check }, seen);
    }
    // No client error to explain it: the server closed the connection (a restart, a shutdown...).
    const address = this.#address;
    // (The client's own words for a dropped command, "max retries per request", mislead: it is in the cause.)
    const state = error instanceof Unavailable ? error.why : 'the connection closed before Redis answered';
    return this.#backend(
      operation,
      { what: `not connected to ${address ?? 'Redis'} (${state})`, check: "that Redis is running and reachable from this host, and the server's log; the store reconnects by itself" },
      error instanceof Unavailable ? undefined : cleanError(error, this.#options.redact),
    );
  }

  #timeout(operation: string): TimeoutError {
    const connecting = this.#client !== undefined && this.#client.status !== 'ready';
    return new TimeoutError(
      `redis store "${this.#options.name}": ${operation} timed out after ${this.#options.commandTimeoutMs} ms` +
        (connecting
          ? ` while connecting${this.#address === undefined ? '' : ` to ${this.#address}`}. Check that the address is reachable from this host (a firewall dropping packets answers nothing).`
          : `. Check the server's load and latency (SLOWLOG, INFO), the network, or raise commandTimeoutMs.`),
    );
  }

  /** A typed, password-free error for anything an operation threw. */
  #map(operation: string, error: unknown): Error {
    if (error instanceof CacheflightError) return error;
    const cause = cleanError(error, this.#options.redact);
    if (/Command timed out/i.test(cause.message)) return this.#timeout(operation);
    if (isSelectRefusal(error)) return this.#backend(operation, explainRefusedDatabase(this.#database, cause), cause);
    return this.#backend(operation, explainFailure(cause, this.#address, this.#options.prefix), cause);
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
      this.#unlisten(client);
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
