/**
 * The Redis {@link Store}: entries under `prefix:namespace:key`, written with one atomic
 * `SET ... PX`, checked against generation keys by a Lua script so that a hit is one round trip
 * and namespace/tag/prefix invalidation is one `DEL` per shard (see `../redis.ts`).
 */
import { DecodeError, InvalidTtlError, BackendError } from '../../cache/errors.js';
import type { Store, StoredEntry, StoreHealth, StoreNotice, StoreSetOptions, StoreWrite } from '../store.js';
import { type IoredisModule, RedisConnection } from './connection.js';
import { KeyLayout, type Shard, TokenSource } from './layout.js';
import type { ResolvedRedisStoreOptions } from './options.js';
import { READ, WRITE, runScript } from './scripts.js';

/**
 * Largest PX written. Longer TTLs (and Infinity) are stored without expiry: 2^46 ms is over 2,000
 * years, and Redis rejects an expiry that overflows its clock.
 */
export const MAX_PX = 2 ** 46;

/** The PX of a TTL in ms: fractions rounded up to whole ms (at least 1); `undefined` = no expiry. */
export function pxOf(ttlMs: number): number | undefined {
  return ttlMs >= MAX_PX ? undefined : Math.max(1, Math.ceil(ttlMs));
}

/** The Redis-backed {@link Store}. Create it with `redisStore`. */
export class RedisStore implements Store {
  /** Name for logs and health output (never contains a password). */
  readonly name: string;
  /** Always `false`: values are copied through the serializer. */
  readonly sharesReferences = false;
  /** The key prefix. */
  readonly prefix: string;
  /** Where every key lives (exposed for tests and tooling). */
  readonly layout: KeyLayout;

  readonly #options: ResolvedRedisStoreOptions;
  readonly #connection: RedisConnection;
  readonly #tokens = new TokenSource();
  readonly #listeners: Array<(notice: StoreNotice) => void> = [];

  /**
   * @param options - validated options
   * @param loader - how to load ioredis (tests replace it)
   */
  constructor(options: ResolvedRedisStoreOptions, loader?: () => Promise<IoredisModule>) {
    this.#options = options;
    this.name = options.name;
    this.prefix = options.prefix;
    this.#connection = new RedisConnection(options, loader);
    this.layout = new KeyLayout(options.prefix, this.#connection.isCluster ? options.clusterShards : 1, this.#connection.isCluster);
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

  async get(key: string): Promise<StoredEntry | undefined> {
    const [entry] = await this.#read('get', [key]);
    return entry;
  }

  getMany(keys: readonly string[]): Promise<Array<StoredEntry | undefined>> {
    return this.#read('getMany', keys);
  }

  /** Keys of one READ call: the shard's prefix generation, then (entry, namespace generation) pairs. */
  #readKeys(shard: Shard, keys: readonly string[]): string[] {
    const out = [shard.allKey];
    for (const key of keys) out.push(this.layout.entryKey(shard, key), this.layout.namespaceKeyOf(shard, key));
    return out;
  }

  async #read(operation: string, keys: readonly string[]): Promise<Array<StoredEntry | undefined>> {
    if (keys.length === 0) return [];
    const groups = this.layout.group(keys, (key) => key);
    const replies = await this.#connection.run(operation, (client) =>
      Promise.all(
        groups.map((group) =>
          runScript(client, READ, this.#readKeys(group.shard, group.items), [group.shard.tagKeyPrefix, 'get'], true),
        ),
      ),
    );
    const now = Date.now();
    const out = new Array<StoredEntry | undefined>(keys.length).fill(undefined);
    groups.forEach((group, g) => {
      const reply = replies[g] as unknown[];
      group.positions.forEach((position, i) => {
        out[position] = this.#entryOf(group.items[i] as string, reply, i * 4, now);
      });
    });
    return out;
  }

  /** Decode one READ answer (status, pttl, offset, raw value) into an entry, or a miss. */
  #entryOf(key: string, reply: unknown[], at: number, now: number): StoredEntry | undefined {
    const status = Number(reply[at]);
    if (status === 0) return undefined;
    if (status !== 1) {
      this.#decodeFailed(key, new Error('the stored value is not a cacheflight entry (garbage, another program\'s value or an old format)'));
      return undefined;
    }
    const pttl = Number(reply[at + 1]);
    const offset = Number(reply[at + 2]);
    const raw = reply[at + 3] as Buffer;
    let value: unknown;
    try {
      value = this.#options.serializer.decode(raw.subarray(offset - 1));
    } catch (error) {
      this.#decodeFailed(key, error);
      return undefined;
    }
    return { value, expiresAt: pttl >= 0 ? now + pttl : Infinity };
  }

  #decodeFailed(key: string, cause: unknown): void {
    const why = cause instanceof Error ? cause.message : String(cause);
    this.#notify({
      type: 'decode-error',
      key,
      error: new DecodeError(`redis store "${this.name}": the payload at "${key}" could not be decoded (${why}); treated as a miss.`, cause),
    });
  }

  set(key: string, value: unknown, options: StoreSetOptions): Promise<void> {
    return this.setMany([{ key, value, ttlMs: options.ttlMs, tags: options.tags }]);
  }

  async setMany(writes: readonly StoreWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const encoded = writes.map((write) => this.#encode(write));
    const groups = this.layout.group(encoded, (write) => write.key);
    const token = this.#tokens.next();
    await this.#connection.run(writes.length === 1 ? 'set' : 'setMany', (client) =>
      Promise.all(
        groups.map((group) => {
          const keys = [group.shard.allKey];
          const args: Array<string | Buffer> = [token];
          for (const write of group.items) {
            keys.push(this.layout.entryKey(group.shard, write.key), this.layout.namespaceKeyOf(group.shard, write.key));
            for (const tag of write.tags) keys.push(this.layout.tagKey(group.shard, tag));
            args.push(write.px === undefined ? '' : String(write.px), String(write.tags.length), ...write.tags, write.payload);
          }
          return runScript(client, WRITE, keys, args, false);
        }),
      ),
    );
  }

  #encode(write: StoreWrite): { key: string; px: number | undefined; tags: readonly string[]; payload: string | Buffer } {
    const { key, ttlMs } = write;
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
    return { key, px: pxOf(ttlMs), tags: write.tags ?? [], payload };
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#delete('delete', [key])) > 0;
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#delete('deleteMany', keys);
  }

  async #delete(operation: string, keys: readonly string[]): Promise<number> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return 0;
    const groups = this.layout.group(unique, (key) => key);
    const counts = await this.#connection.run(operation, (client) =>
      Promise.all(
        groups.map((group) => runScript(client, READ, this.#readKeys(group.shard, group.items), [group.shard.tagKeyPrefix, 'del'], false)),
      ),
    );
    return counts.reduce<number>((sum, count) => sum + Number(count), 0);
  }

  /** Delete one generation key per shard (one DEL per shard, all sent at once). */
  async #dropGenerations(operation: string, keysOf: (shard: Shard) => string[]): Promise<void> {
    await this.#connection.run(operation, (client) =>
      Promise.all(
        this.layout.shards.map((shard) => {
          const keys = keysOf(shard);
          return keys.length === 0 ? Promise.resolve(0) : client.del(...keys);
        }),
      ),
    );
  }

  deleteNamespace(namespace: string): Promise<void> {
    return this.#dropGenerations('deleteNamespace', (shard) => [this.layout.namespaceKey(shard, namespace)]);
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    const unique = [...new Set(tags)];
    if (unique.length === 0) return;
    await this.#dropGenerations('invalidateTags', (shard) => unique.map((tag) => this.layout.tagKey(shard, tag)));
  }

  clear(): Promise<void> {
    return this.#dropGenerations('clear', (shard) => [shard.allKey]);
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
      mode: this.isCluster ? 'cluster' : 'standalone',
      status: this.#connection.status,
      prefix: this.prefix,
      shards: this.layout.shards.length,
    };
    const lastError = this.#connection.lastError;
    if (lastError !== undefined) details['lastError'] = lastError;
    return details;
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
