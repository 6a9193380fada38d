/**
 * The Redis {@link Store}: entries under `prefix:namespace:key`, written with one atomic
 * `SET ... PX` (a Lua script records the current generation tokens in the envelope), read with
 * one `MGET` of the entry and its generation keys, checked on the client (`reader.ts`), so that a
 * hit is one plain round trip and namespace/tag/prefix invalidation is one `DEL` per shard (see
 * `../redis.ts`).
 */
import { brandPrototype, REDIS_STORE_BRAND } from '../../core/brands.js';
import { InvalidTtlError, BackendError } from '../../core/errors.js';
import { invalidWindow, joinKey, type EntryKey, type LoadCoordinator, type Store, type StoreHealth, type StoreNotice, type StoreSetOptions, type StoreWrite } from '../store.js';
import type { Redis } from 'ioredis';
import { type IoredisModule, RedisConnection } from './connection.js';
import { flightChannel, KeyLayout, type Shard, TokenSource } from './layout.js';
import { RedisCoordinator, RedisLease } from './coordinator.js';
import { FlightNotices } from './flight-notices.js';
import type { ResolvedRedisStoreOptions } from './options.js';
import type { RedisStoredEntry } from './entry.js';
import { RedisReader } from './reader.js';
import { DELETE, EXPIRE, runScript } from './scripts.js';
import { INVALIDATE } from './lease-scripts.js';
import { type EncodedWrite, RedisWriter } from './writer.js';

export type { RedisStoredEntry } from './entry.js';

/**
 * @internal
 * What a companion of a Redis store needs to use Redis pub/sub next to it: the tiered store's
 * invalidation bus publishes through the store's own connection and listens on a connection of
 * its own (a subscribed connection cannot run the store's commands). See {@link RedisStore.pubSub}.
 */
export interface RedisPubSub {
  /**
   * The database number of the store's connection (0 on a Cluster). Pub/sub channels are
   * server-wide, not per database: name channels with it to keep databases apart.
   */
  readonly database: number;
  /**
   * A new, not yet connected ioredis client for SUBSCRIBE, connected like the store's own: same
   * server, credentials, TLS and database (an application-made client: its `duplicate()`); with
   * `lazyConnect` and `autoResubscribe: false` (the caller subscribes on every 'ready'). On a
   * Cluster it is a plain connection to one node (PUBLISH reaches every node), a different node on
   * each call, that gives up ('end') after a few failed reconnects so that the caller can ask for
   * another. The caller owns it: attach an 'error' listener, and disconnect it when done.
   *
   * @throws CacheClosedError after the store's close; MissingDependencyError without ioredis;
   *   BackendError on a Cluster whose nodes are not known yet (retry later)
   */
  createSubscriber(): Promise<Redis>;
  /**
   * `PUBLISH channel message` through the store's connection, after the writes already issued,
   * bounded by `commandTimeoutMs` like every operation. Answers how many subscribers received it.
   */
  publish(channel: string, message: string): Promise<number>;
}

/**
 * Largest PX written. Longer TTLs (and Infinity) are stored without expiry: 2^46 ms is over 2,000
 * years, and Redis rejects an expiry that overflows its clock.
 */
export const MAX_PX = 2 ** 46;

/**
 * The windows part of an envelope's expiry field (`,<staleMs>,<graceMs>,<loadMs>`, each part
 * empty when absent), or `''` for a write without windows or load duration: its envelope is
 * then byte for byte what earlier versions wrote.
 *
 * @throws InvalidTtlError when a window or the load duration is not a finite number >= 0
 */
function windowsField(store: string, key: string, write: StoreSetOptions): string {
  const { staleMs, graceMs, loadMs } = write;
  if (staleMs === undefined && graceMs === undefined && loadMs === undefined) return '';
  const invalid = invalidWindow(write);
  if (invalid !== undefined) {
    throw new InvalidTtlError(`redis store "${store}" set of "${key}": ${invalid[0]} is ${String(invalid[1])}; give a finite number of milliseconds >= 0, or leave it out.`);
  }
  return `,${decimal(staleMs)},${decimal(graceMs)},${decimal(loadMs)}`;
}

/**
 * `ms` in plain decimals (no exponent: what the envelope parser and the EXPIRE script read),
 * `''` when absent. Past what Redis can hold it lives forever anyway: capped there.
 */
function decimal(ms: number | undefined): string {
  if (ms === undefined) return '';
  const text = String(Math.min(ms, MAX_PX));
  return text.includes('e') ? ms.toFixed(6) : text;
}

/** The PX of a TTL in ms: fractions rounded up to whole ms (at least 1); `undefined` = no expiry. */
export function pxOf(ttlMs: number): number | undefined {
  return ttlMs >= MAX_PX ? undefined : Math.max(1, Math.ceil(ttlMs));
}

/** The Redis-backed {@link Store}. Create it with `redisStore`. */
export class RedisStore implements Store {
  static {
    // Recognised by tieredStore across the package's ESM and CommonJS builds (see brands.ts).
    brandPrototype(this.prototype, REDIS_STORE_BRAND);
  }

  /** Name for logs and health output (never contains a password). */
  readonly name: string;
  /** Always `false`: values are copied through the serializer. */
  readonly sharesReferences = false;
  /** The key prefix. */
  readonly prefix: string;
  /**
   * Where every key lives (for the store's own parts and tests).
   *
   * @internal
   */
  readonly layout: KeyLayout;

  readonly #options: ResolvedRedisStoreOptions;
  readonly #connection: RedisConnection;
  readonly #tokens = new TokenSource();
  readonly #listeners: Array<(notice: StoreNotice) => void> = [];
  readonly #reader: RedisReader;
  readonly #writer: RedisWriter;
  #flushScheduled = false;
  #pubSub: RedisPubSub | undefined;
  readonly #notices: FlightNotices;
  readonly #coordinator: RedisCoordinator;
  /** Send what is batched: the writes first, so that a read issued after a write sees it. */
  readonly #sendBatched = (): void => {
    this.#writer.send();
    this.#reader.send();
  };
  /** The end-of-tick send. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#sendBatched();
  };

  /**
   * @param options - validated options
   * @param loader - how to load ioredis (tests replace it); typed loosely so that the published
   *   types never name ioredis' own
   * @hideconstructor
   */
  constructor(options: ResolvedRedisStoreOptions, loader?: () => Promise<unknown>) {
    this.#options = options;
    this.name = options.name;
    this.prefix = options.prefix;
    this.#connection = new RedisConnection(options, loader as (() => Promise<IoredisModule>) | undefined);
    this.layout = new KeyLayout(options.prefix, this.#connection.isCluster ? options.clusterShards : 1, this.#connection.isCluster);
    const notify = (notice: StoreNotice): void => this.#notify(notice);
    const schedule = (): void => {
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      process.nextTick(this.#flush);
    };
    this.#reader = new RedisReader(this.layout, this.#connection, options.serializer, options.commandTimeoutMs, this.name, notify, schedule, this.#sendBatched);
    this.#writer = new RedisWriter(this.layout, this.#connection, this.#tokens, options.commandTimeoutMs, this.name, notify, schedule);
    const channel = flightChannel(options.prefix, this.#connection.database);
    const reader = this.#reader;
    this.#notices = new FlightNotices(channel, () => this.#connection.createSubscriber(), (key, envelope) => reader.decodeNotice(key, envelope));
    this.#coordinator = new RedisCoordinator(this.layout, this.#connection, this.#tokens, channel, this.#notices, () => this.#writer.send());
  }

  /**
   * Load coordination across every process sharing this prefix: a lease per entry in Redis,
   * fenced writes, and notices on the flight channel (see `redis/coordinator.ts`).
   */
  get coordinator(): LoadCoordinator {
    return this.#coordinator;
  }

  /**
   * @internal
   * The hook for Redis pub/sub next to this store (used by the tiered store's invalidation bus):
   * a dedicated subscriber connection made like the store's own, and PUBLISH through the store's
   * connection. See {@link RedisPubSub}.
   */
  get pubSub(): RedisPubSub {
    return (this.#pubSub ??= {
      database: this.#connection.database,
      createSubscriber: () => this.#connection.createSubscriber(),
      publish: (channel, message) => {
        this.#writer.send(); // writes already issued land first
        return this.#connection.run('publish', (client) => client.publish(channel, message));
      },
    });
  }

  /** `true` when the store talks to a Redis Cluster. */
  get isCluster(): boolean {
    return this.#connection.isCluster;
  }

  /** The Redis key of the entry of a Store key (for tooling and tests). */
  redisKey(key: string): string {
    return this.layout.entryKey(this.layout.shardOf(key), key);
  }

  onNotice(listener: (notice: StoreNotice) => void): void {
    this.#listeners.push(listener);
  }

  #notify(notice: StoreNotice): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch {
        // a listener's failure is its own business
      }
    }
  }

  /**
   * One MGET (batched with the other reads of the tick), checked on the client. The entry also
   * carries the tags it was written with.
   */
  get(namespace: string, id: string): Promise<RedisStoredEntry | undefined> {
    return this.#reader.get(namespace, id);
  }

  getMany(keys: readonly EntryKey[]): Promise<Array<RedisStoredEntry | undefined>> {
    return this.#reader.getMany(keys);
  }

  /**
   * Batched with the other writes of the tick: one WRITE script call per shard. A write under a
   * lease is a FENCED_WRITE of its own, answering `false` when it was fenced off.
   */
  set(namespace: string, id: string, value: unknown, options: StoreSetOptions): Promise<void | boolean> {
    const lease = options.lease;
    if (lease !== undefined) return this.#leasedWrite(namespace, id, value, options, lease);
    return this.#write('set', [{ namespace, id, value, ttlMs: options.ttlMs, tags: options.tags, staleMs: options.staleMs, graceMs: options.graceMs, loadMs: options.loadMs }]);
  }

  setMany(writes: readonly StoreWrite[]): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    return this.#write('setMany', writes);
  }

  #leasedWrite(namespace: string, id: string, value: unknown, options: StoreSetOptions, lease: object): Promise<boolean> {
    let encoded: EncodedWrite;
    try {
      if (!(lease instanceof RedisLease) || lease.coordinator !== this.#coordinator) {
        throw new BackendError(`redis store "${this.name}" set of "${joinKey(namespace, id)}": the lease was not claimed through this store's coordinator.`);
      }
      encoded = this.#encode({ namespace, id, value, ttlMs: options.ttlMs, tags: options.tags, staleMs: options.staleMs, graceMs: options.graceMs, loadMs: options.loadMs }, Date.now());
    } catch (error) {
      return Promise.reject(error);
    }
    this.#reader.hints.learn(encoded.key, encoded.namespace, encoded.tags);
    return this.#coordinator.write(encoded, lease);
  }

  #write(operation: 'set' | 'setMany', writes: readonly StoreWrite[]): Promise<void> {
    let encoded: EncodedWrite[];
    try {
      const now = Date.now();
      encoded = writes.map((write) => this.#encode(write, now));
    } catch (error) {
      return Promise.reject(error);
    }
    for (const write of encoded) this.#reader.hints.learn(write.key, write.namespace, write.tags);
    return this.#writer.write(operation, encoded);
  }

  #encode(write: StoreWrite, now: number): EncodedWrite {
    const { ttlMs } = write;
    const key = joinKey(write.namespace, write.id);
    if (typeof ttlMs !== 'number' || !(ttlMs > 0)) {
      throw new InvalidTtlError(
        `redis store "${this.name}" set of "${key}": ttlMs is ${String(ttlMs)}; give a number of milliseconds > 0 (fractions and Infinity allowed).`,
      );
    }
    let payload: string | Buffer;
    try {
      payload = this.#options.serializer.encode(write.value);
    } catch (error) {
      throw new BackendError(
        `redis store "${this.name}" set of "${key}": the value could not be serialized: ${(error as Error)?.message ?? String(error)}`,
        error,
      );
    }
    const freshPx = pxOf(ttlMs);
    const windows = windowsField(this.name, key, write);
    // Kept physically for the TTL and both windows: one SET ... PX.
    const px = windows === '' || freshPx === undefined ? freshPx : pxOf(ttlMs + (write.staleMs ?? 0) + (write.graceMs ?? 0));
    return { key, namespace: write.namespace, px, expiresAt: freshPx === undefined ? Infinity : now + freshPx, windows, tags: write.tags ?? [], payload };
  }

  /**
   * Make the entry stale now, its windows restarting from now (see {@link Store.expire}): one
   * EXPIRE script on the entry's shard, which checks its tokens as a read does.
   */
  async expire(namespace: string, id: string): Promise<boolean> {
    const key = joinKey(namespace, id);
    const shard = this.layout.shardOf(key);
    this.#writer.send(); // a pending write of this key lands first
    const answer = await this.#connection.run('expire', (client) =>
      runScript(client, EXPIRE, [shard.allKey, this.layout.entryKey(shard, key), this.layout.namespaceKeyOf(shard, key)], [shard.tagKeyPrefix, String(Date.now())], false),
    );
    return Number(answer) > 0;
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    return (await this.#delete('delete', [joinKey(namespace, id)])) > 0;
  }

  deleteMany(keys: readonly EntryKey[]): Promise<number> {
    return this.#delete('deleteMany', keys.map(([namespace, id]) => joinKey(namespace, id)));
  }

  /** Keys of one DELETE call: the shard's prefix generation, then (entry, namespace generation, lease) triples. */
  #deleteKeys(shard: Shard, keys: readonly string[]): string[] {
    const out = [shard.allKey];
    for (const key of keys) out.push(this.layout.entryKey(shard, key), this.layout.namespaceKeyOf(shard, key), this.layout.leaseKey(shard, key));
    return out;
  }

  async #delete(operation: string, keys: readonly string[]): Promise<number> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return 0;
    const groups = this.layout.group(unique, (key) => key);
    this.#writer.send(); // a pending write of one of these keys lands first
    const counts = await this.#connection.run(operation, (client) =>
      Promise.all(
        groups.map((group) => runScript(client, DELETE, this.#deleteKeys(group.shard, group.items), [group.shard.tagKeyPrefix], false)),
      ),
    );
    return counts.reduce<number>((sum, count) => sum + Number(count), 0);
  }

  /**
   * Delete generation keys in every shard (one INVALIDATE script per shard, all sent at once),
   * logging each invalidation for the fenced writes of loads in flight. `items` are pairs of the
   * generation key's builder and its log name (`a`, `n<namespace>`, `t<tag>`).
   */
  async #invalidate(operation: string, items: ReadonlyArray<readonly [(shard: Shard) => string, string]>): Promise<void> {
    this.#writer.send(); // pending writes land first, then their invalidation
    const names = items.map(([, name]) => name);
    await this.#connection.run(operation, (client) =>
      Promise.all(this.layout.shards.map((shard) => runScript(client, INVALIDATE, [shard.logKey, ...items.map(([keyOf]) => keyOf(shard))], names, false))),
    );
  }

  deleteNamespace(namespace: string): Promise<void> {
    return this.#invalidate('deleteNamespace', [[(shard) => this.layout.namespaceKey(shard, namespace), `n${namespace}`]]);
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    const unique = [...new Set(tags)];
    if (unique.length === 0) return;
    await this.#invalidate('invalidateTags', unique.map((tag) => [(shard: Shard) => this.layout.tagKey(shard, tag), `t${tag}`] as const));
  }

  clear(): Promise<void> {
    return this.#invalidate('clear', [[(shard) => shard.allKey, 'a']]);
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    try {
      await this.#connection.run('health', (client) => client.ping());
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return { ok: true, store: this.name, latencyMs, details: this.#details() };
    } catch (error) {
      return { ok: false, store: this.name, error: this.#options.redact((error as Error).message), details: this.#details() };
    }
  }

  #details(): Record<string, string | number | boolean> {
    const details: Record<string, string | number | boolean> = {
      mode: this.#connection.mode,
      status: this.#connection.status,
      prefix: this.prefix,
      shards: this.layout.shards.length,
    };
    const lastError = this.#connection.lastError;
    if (lastError !== undefined) details['lastError'] = lastError;
    return details;
  }

  /** Sends the operations already issued, then closes. */
  close(): Promise<void> {
    if (this.#flushScheduled) this.#flush();
    this.#notices.close();
    return this.#connection.close();
  }
}
