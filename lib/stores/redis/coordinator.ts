/**
 * Load coordination across processes for the Redis store (a {@link LoadCoordinator}): one lease
 * per entry (`SET lease token NX PX`, extended by its holder, released by a compare-and-delete
 * script), a fenced write that stores the holder's result only if nothing superseded its load,
 * and notices on the flight channel that wake the processes waiting for it. The scripts and the
 * fencing rules are in `lease-scripts.ts`.
 */
import { joinKey, type ClaimOptions, type LoadClaim, type LoadCoordinator, type LoadLease } from '../store.js';
import type { RedisConnection } from './connection.js';
import type { RedisStoredEntry } from './entry.js';
import type { FlightNotices } from './flight-notices.js';
import type { KeyLayout, Shard, TokenSource } from './layout.js';
import { CLAIM, EXTEND, FENCED_WRITE, RELEASE } from './lease-scripts.js';
import { runScript } from './scripts.js';
import type { EncodedWrite } from './writer.js';

/**
 * The largest entry (its stored envelope, in bytes) that a leader's notice carries to the
 * processes waiting for it; a larger one they read. Notices with values go only to keys some
 * process waits for, but to every process subscribed: the bound keeps that traffic small.
 */
export const NOTICE_VALUE_MAX_BYTES = 16 * 1024;

/** A lease held by this process on one entry's load. */
export class RedisLease implements LoadLease {
  #ended = false;

  /**
   * @param coordinator - the coordinator that claimed it
   * @param key - the joined Store key
   * @param shard - the entry's shard
   * @param value - the lease key's value (`<token>:<start>`)
   * @param start - the server's time of the claim, in ms
   * @param leaseMs - the lease's duration
   */
  constructor(
    readonly coordinator: RedisCoordinator,
    readonly key: string,
    readonly shard: Shard,
    readonly value: string,
    readonly start: number,
    readonly leaseMs: number,
  ) {}

  /** `true` once written under, released, or found lost. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Mark the lease as ended; answers whether it was still open. */
  end(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    return true;
  }

  extend(): Promise<boolean> {
    return this.#ended ? Promise.resolve(false) : this.coordinator.extend(this);
  }

  release(): Promise<void> {
    return this.end() ? this.coordinator.release(this) : Promise.resolve();
  }
}

/** The {@link LoadCoordinator} of a Redis store. */
export class RedisCoordinator implements LoadCoordinator {
  /**
   * @param layout - where the store's keys live
   * @param connection - the store's connection
   * @param tokens - the store's token source (lease tokens and candidate generation tokens)
   * @param channel - the flight channel
   * @param notices - the flight channel's subscriber
   * @param flushWrites - sends the writes batched so far, so that they land first
   */
  constructor(
    private readonly layout: KeyLayout,
    private readonly connection: RedisConnection,
    private readonly tokens: TokenSource,
    private readonly channel: string,
    private readonly notices: FlightNotices,
    private readonly flushWrites: () => void,
  ) {}

  async claim(namespace: string, id: string, options: ClaimOptions): Promise<LoadClaim> {
    this.notices.start();
    const key = joinKey(namespace, id);
    const layout = this.layout;
    const shard = layout.shardOf(key);
    const token = this.tokens.next();
    const leaseMs = Math.max(1, Math.ceil(options.leaseMs));
    this.flushWrites(); // a write of this key issued before lands first
    const reply = await this.connection.run('claim', (client) =>
      runScript(
        client,
        CLAIM,
        [shard.allKey, layout.entryKey(shard, key), layout.namespaceKey(shard, namespace), layout.leaseKey(shard, key), layout.waitingKey(shard, key)],
        [shard.tagKeyPrefix, String(Date.now()), token, String(leaseMs), options.forceFresh === true ? '1' : '0'],
        false,
      ),
    );
    const [outcome, detail] = (Array.isArray(reply) ? reply : []).map(Number);
    if (outcome === 0) return { outcome: 'fresh' };
    if (outcome === 1 && detail !== undefined) return { outcome: 'lead', lease: new RedisLease(this, key, shard, `${token}:${detail}`, detail, leaseMs) };
    // PTTL -1: a lease key without expiry (not ours to judge): retry after a lease's time.
    return { outcome: 'wait', retryInMs: detail !== undefined && detail >= 0 ? detail : leaseMs };
  }

  /** See {@link LoadCoordinator.waitForRelease}: the entry when the leader's notice carried it. */
  waitForRelease(namespace: string, id: string, timeoutMs: number): Promise<boolean | RedisStoredEntry> {
    return this.notices.wait(joinKey(namespace, id), timeoutMs);
  }

  /** `true` while the subscription to the flight channel is live. */
  get listening(): boolean {
    return this.notices.listening;
  }

  /** See {@link LoadLease.extend}. A failed round trip answers `true`: the fenced write decides. */
  async extend(lease: RedisLease): Promise<boolean> {
    try {
      const held = await this.connection.run('extend', (client) => runScript(client, EXTEND, [this.layout.leaseKey(lease.shard, lease.key)], [lease.value, String(lease.leaseMs)], false));
      if (Number(held) === 1) return true;
      lease.end();
      return false;
    } catch {
      return true;
    }
  }

  /** See {@link LoadLease.release}; a failure is ignored (the lease expires by itself). */
  async release(lease: RedisLease): Promise<void> {
    try {
      await this.connection.run('release', (client) => runScript(client, RELEASE, [this.layout.leaseKey(lease.shard, lease.key)], [lease.value, this.channel, lease.key], false));
    } catch {
      // expires by itself
    }
  }

  /**
   * Write `write` under `lease` (see `FENCED_WRITE`): `true` when written, `false` when fenced
   * off. The lease ends either way.
   */
  async write(write: EncodedWrite, lease: RedisLease): Promise<boolean> {
    if (!lease.end()) return false;
    const layout = this.layout;
    const shard = lease.shard;
    const keys = [shard.allKey, layout.entryKey(shard, write.key), layout.namespaceKey(shard, write.namespace), layout.leaseKey(shard, write.key)];
    for (const tag of write.tags) keys.push(layout.tagKey(shard, tag));
    keys.push(shard.logKey, layout.waitingKey(shard, write.key));
    const args: Array<string | Buffer> = [
      this.tokens.next(),
      lease.value,
      String(lease.start),
      this.channel,
      write.key,
      write.px === undefined ? '' : String(write.px),
      (write.expiresAt === Infinity ? '' : String(write.expiresAt)) + write.windows,
      String(write.tags.length),
      ...write.tags,
      write.payload,
      write.namespace,
      this.notices.valueChannel,
      String(NOTICE_VALUE_MAX_BYTES),
    ];
    this.flushWrites();
    const written = await this.connection.run('set', (client) => runScript(client, FENCED_WRITE, keys, args, false));
    return Number(written) === 1;
  }
}
