/**
 * The write path of the Redis store: the writes issued in one tick (every `set` and `setMany`)
 * are batched into one WRITE script call per shard, which records the current generation tokens
 * in each envelope and stores it with one `SET key envelope [PX ms]` (see `scripts.ts`).
 *
 * Order: the store sends a tick's writes before its reads (so a read issued after a write sees
 * it), and sends the pending writes before any delete or invalidation (so a write never lands
 * after a later delete of its key).
 */
import type { Cluster, Redis } from 'ioredis';
import { DecodeError } from '../../core/errors.js';
import type { StoreNotice } from '../store.js';
import type { RedisConnection } from './connection.js';
import type { KeyLayout, Shard, TokenSource } from './layout.js';
import { WRITE, runScript } from './scripts.js';

/** One write, validated and serialized. */
export interface EncodedWrite {
  /** The joined Store key (`namespace:id`). */
  readonly key: string;
  /** Its namespace. */
  readonly namespace: string;
  /** PX of the SET; `undefined` = no expiry. */
  readonly px: number | undefined;
  /** Absolute expiry recorded in the envelope (writer's clock); `Infinity` = none. */
  readonly expiresAt: number;
  /** The windows part of the expiry field (`''` for an entry without windows). */
  readonly windows: string;
  readonly tags: readonly string[];
  readonly payload: string | Buffer;
}

/** One caller of the batch: a `set` or a `setMany`. */
class WriteRequest {
  settled = false;
  /** Shard calls still to answer. */
  remaining = 0;

  constructor(
    readonly operation: 'set' | 'setMany',
    readonly resolve: () => void,
    readonly reject: (error: Error) => void,
  ) {}
}

/** The WRITE call of one shard. */
class ShardWrite {
  readonly keys: string[];
  /** ARGV; the candidate token goes first when the call is sent. */
  readonly args: Array<string | Buffer> = [''];
  readonly writes: Array<{ readonly key: string; readonly request: WriteRequest }> = [];
  readonly requests: WriteRequest[] = [];

  constructor(readonly shard: Shard) {
    this.keys = [shard.allKey];
  }
}

/** The writes of one tick. */
class WriteBatch {
  readonly calls: Array<ShardWrite | undefined>;
  readonly used: ShardWrite[] = [];

  constructor(shardCount: number) {
    this.calls = new Array<ShardWrite | undefined>(shardCount);
  }
}

/** Batches and sends the writes of a store. */
export class RedisWriter {
  #batch: WriteBatch | undefined;

  constructor(
    private readonly layout: KeyLayout,
    private readonly connection: RedisConnection,
    private readonly tokens: TokenSource,
    private readonly timeoutMs: number,
    private readonly storeName: string,
    private readonly notify: (notice: StoreNotice) => void,
    /** Asks the store to call {@link send} at the end of the tick. */
    private readonly schedule: () => void,
  ) {}

  /** Queue `writes` (one `set` or `setMany`); resolves once every shard stored them. */
  write(operation: 'set' | 'setMany', writes: readonly EncodedWrite[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.#batch;
      if (batch === undefined) {
        batch = this.#batch = new WriteBatch(this.layout.shards.length);
        this.schedule();
      }
      const request = new WriteRequest(operation, resolve, reject);
      const layout = this.layout;
      for (const write of writes) {
        const shard = layout.shardOf(write.key);
        let call = batch.calls[shard.index];
        if (call === undefined) {
          call = batch.calls[shard.index] = new ShardWrite(shard);
          batch.used.push(call);
        }
        if (call.requests[call.requests.length - 1] !== request) {
          call.requests.push(request);
          request.remaining++;
        }
        call.keys.push(layout.entryKey(shard, write.key), layout.namespaceKey(shard, write.namespace), layout.leaseKey(shard, write.key));
        for (const tag of write.tags) call.keys.push(layout.tagKey(shard, tag));
        call.args.push(
          write.px === undefined ? '' : String(write.px),
          (write.expiresAt === Infinity ? '' : String(write.expiresAt)) + write.windows,
          String(write.tags.length),
          ...write.tags,
          write.payload,
        );
        call.writes.push({ key: write.key, request });
      }
    });
  }

  /** Send the pending writes, if any (one WRITE call per shard). */
  send(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    // A fresh token per batch: the value a missing generation key is created with.
    const token = this.tokens.next();
    const deadline = performance.now() + this.timeoutMs;
    for (const call of batch.used) {
      call.args[0] = token;
      this.connection
        .execute((client: Redis | Cluster) => runScript(client, WRITE, call.keys, call.args, false), deadline)
        .then(
          (foreign) => this.#settle(call, foreign),
          (error: unknown) => this.#fail(call, error),
        );
    }
  }

  #settle(call: ShardWrite, foreign: unknown): void {
    // A key holding another type (a hash...) reads as absent; report it when it is overwritten.
    if (Array.isArray(foreign)) {
      call.writes.forEach(({ key }, i) => {
        if (Number(foreign[i]) === 1) this.#foreignValue(key);
      });
    }
    for (const request of call.requests) {
      if (!request.settled && --request.remaining === 0) {
        request.settled = true;
        request.resolve();
      }
    }
  }

  #fail(call: ShardWrite, error: unknown): void {
    for (const request of call.requests) {
      if (request.settled) continue;
      request.settled = true;
      request.reject(this.connection.failure(request.operation, error));
    }
  }

  #foreignValue(key: string): void {
    this.notify({
      type: 'decode-error',
      key,
      error: new DecodeError(
        `redis store "${this.storeName}": the key of "${key}" held a value of another type (another program's value), read as a miss; it was overwritten.`,
      ),
    });
  }
}
