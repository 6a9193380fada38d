/**
 * The read path of the Redis store: a hit is ONE `MGET` (no Lua), checked on the client.
 *
 * The reads issued in one tick (every `get` and `getMany` of the callers woken by the same I/O
 * event) are batched: one `MGET` per shard involved (a read of an idle store goes out at once,
 * and the rest of its tick batched after it), holding the shard's prefix generation key,
 * each entry, each distinct namespace generation key and the tag generation keys expected for
 * those entries, each named once. One command (one timer, one reply to parse) then serves up to
 * hundreds of reads, and the server does one plain key lookup per key: no script, no PTTL.
 *
 * An entry answers only when every token its envelope recorded equals the generation key's value
 * in the same MGET reply (one atomic snapshot); a missing generation key means stale. Tag
 * generation keys can only be named in the MGET if the entry's tags are known before reading it:
 * {@link TagHints} remembers the tags last seen per key (and per namespace, for methods whose
 * tags do not depend on their arguments), so a tagged hit is one round trip too once its tags
 * are known. When a tag was not guessed, a second MGET (batched the same way) reads the missing
 * tag generation keys: a tagged hit is at most two round trips. Reading a tag's token after the
 * entry is safe: tokens are never reused, so a token that is current when read was current when
 * the entry was read, or the entry is stale either way.
 *
 * A stale entry found is dropped in the background (fire-and-forget; errors swallowed) by a
 * script that deletes it only while it still holds the stale header, so a fresh write racing
 * the drop is never lost. `expiresAt` comes from the envelope (written as `Date.now() + ttl` by
 * the writer), so a hit needs no PTTL.
 */
import type { Cluster, Redis } from 'ioredis';
import { DecodeError } from '../../core/errors.js';
import type { Serializer } from '../../serializers/serializer.js';
import { joinKey, type EntryKey, type StoredEntry, type StoreNotice } from '../store.js';
import type { RedisStoredEntry } from './entry.js';
import type { RedisConnection } from './connection.js';
import { type Envelope, parseEnvelope, type TagToken } from './envelope.js';
import type { KeyLayout, Shard } from './layout.js';
import { DROP_STALE, runScript } from './scripts.js';

type Client = Redis | Cluster;
type Reply = Array<Buffer | null>;

const NO_TAG_NAMES: readonly string[] = Object.freeze([]);

/** Most keys whose own tags are remembered (the oldest is forgotten first). */
const MAX_KEY_HINTS = 4096;
/** Most namespaces whose tags are remembered. */
const MAX_NAMESPACE_HINTS = 1024;

/**
 * The tags last seen for a key (written or read), to name their generation keys in the first
 * MGET. Per namespace: the tags first seen in it (methods with fixed tags: every key of the
 * namespace has them). Per key: the tags of keys that differ from their namespace's. Both are
 * bounded. A wrong hint costs a few extra keys in an MGET, or a second round trip, never a wrong
 * answer: entries are always checked against the tags their envelope recorded.
 */
export class TagHints {
  readonly #byKey = new Map<string, readonly string[]>();
  readonly #byNamespace = new Map<string, readonly string[]>();

  /** The tags expected at `key` (of namespace `namespace`), if any are known. */
  get(key: string, namespace: string): readonly string[] | undefined {
    if (this.#byKey.size !== 0) {
      const hint = this.#byKey.get(key);
      if (hint !== undefined) return hint;
    }
    return this.#byNamespace.size === 0 ? undefined : this.#byNamespace.get(namespace);
  }

  /** `key` holds an entry with `tags` (possibly none). */
  learn(key: string, namespace: string, tags: readonly string[]): void {
    const shared = this.#byNamespace.get(namespace);
    if (shared === undefined && tags.length > 0) {
      bounded(this.#byNamespace, namespace, tags, MAX_NAMESPACE_HINTS);
      this.#byKey.delete(key);
    } else if (shared === undefined ? tags.length === 0 : sameNames(shared, tags)) {
      if (this.#byKey.size !== 0) this.#byKey.delete(key);
    } else {
      const own = this.#byKey.get(key);
      if (own === undefined || !sameNames(own, tags)) bounded(this.#byKey, key, tags, MAX_KEY_HINTS);
    }
  }
}

function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Do the recorded tags equal the hint the read used? */
function sameTags(hint: readonly string[] | undefined, tags: readonly TagToken[]): boolean {
  if (hint === undefined) return tags.length === 0;
  if (hint.length !== tags.length) return false;
  for (let i = 0; i < tags.length; i++) if (hint[i] !== (tags[i] as TagToken).tag) return false;
  return true;
}

/** One caller of the batch: a `get` (one key) or a `getMany`. */
class ReadRequest {
  settled = false;
  remaining: number;
  /** The answers of a getMany, in the order of its keys (a get answers its one entry directly). */
  readonly out: Array<StoredEntry | undefined> | undefined;

  constructor(
    readonly operation: 'get' | 'getMany',
    size: number,
    readonly resolve: (value: never) => void,
    readonly reject: (error: Error) => void,
  ) {
    this.remaining = size;
    this.out = operation === 'get' ? undefined : new Array<StoredEntry | undefined>(size);
  }

  deliver(position: number, entry: StoredEntry | undefined): void {
    if (this.settled) return;
    const out = this.out;
    if (out === undefined) {
      this.settled = true;
      (this.resolve as (value: unknown) => void)(entry);
      return;
    }
    out[position] = entry;
    if (--this.remaining === 0) {
      this.settled = true;
      (this.resolve as (value: unknown) => void)(out);
    }
  }
}

/** One key of one request, inside a shard's MGET. */
interface Slot {
  readonly request: ReadRequest;
  readonly position: number;
  readonly key: string;
  readonly namespace: string;
  readonly entryAt: number;
  readonly namespaceAt: number;
  readonly hint: readonly string[] | undefined;
}

/** The MGET of one shard: its keys (generation keys named once) and the reads it serves. */
class ShardRead {
  readonly keys: string[];
  readonly slots: Slot[] = [];
  readonly #at = new Map<string, number>();
  /** The namespace of the previous read and the index of its generation key (reads of one tick mostly share it). */
  lastNamespace: string | undefined;
  lastNamespaceAt = 0;

  constructor(readonly shard: Shard) {
    this.keys = [shard.allKey];
  }

  /** Index of generation key `key` in the MGET, added if new. */
  generation(key: string): number {
    let at = this.#at.get(key);
    if (at === undefined) {
      at = this.keys.push(key) - 1;
      this.#at.set(key, at);
    }
    return at;
  }

  /** Index of generation key `key` if it is in the MGET. */
  indexOf(key: string): number | undefined {
    return this.#at.get(key);
  }
}

/** The reads of one tick. */
class ReadBatch {
  readonly reads: Array<ShardRead | undefined>;
  readonly used: ShardRead[] = [];

  constructor(
    shardCount: number,
    /** `performance.now()` past which every read of the batch rejects with a TimeoutError. */
    readonly deadline: number,
  ) {
    this.reads = new Array<ShardRead | undefined>(shardCount);
  }
}

/** A read that needs the tokens of tags the first MGET did not name. */
interface FollowUp {
  readonly slot: Slot;
  readonly envelope: Envelope;
}

const noop = (): void => undefined;

/** Batches, sends and checks the reads of a store. */
export class RedisReader {
  readonly hints = new TagHints();
  #batch: ReadBatch | undefined;
  /** MGETs sent whose reply has not arrived. */
  #awaiting = 0;
  /** A reply arrived since the last {@link send}: reads issued now are likely its callers' next ones. */
  #answeredSinceSend = false;
  /** Counts an MGET's reply and has the batch of this tick sent at its end (which clears the flag). */
  readonly #answered = (): void => {
    this.#awaiting--;
    this.#answeredSinceSend = true;
    this.schedule();
  };

  constructor(
    private readonly layout: KeyLayout,
    private readonly connection: RedisConnection,
    private readonly serializer: Serializer,
    private readonly timeoutMs: number,
    private readonly storeName: string,
    private readonly notify: (notice: StoreNotice) => void,
    /** Asks the store to call {@link send} at the end of the tick. */
    private readonly schedule: () => void,
    /** Has the store send its pending writes, then {@link send} the reads, now. */
    private readonly sendNow: () => void,
  ) {}

  get(namespace: string, id: string): Promise<RedisStoredEntry | undefined> {
    const idle = this.#isIdle();
    const read = new Promise<RedisStoredEntry | undefined>((resolve, reject) => {
      this.#add(new ReadRequest('get', 1, resolve as (value: never) => void, reject), namespace, id, 0, !idle);
    });
    if (idle) this.sendNow();
    return read;
  }

  getMany(keys: readonly EntryKey[]): Promise<Array<RedisStoredEntry | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    const idle = this.#isIdle();
    const read = new Promise<Array<RedisStoredEntry | undefined>>((resolve, reject) => {
      const request = new ReadRequest('getMany', keys.length, resolve as (value: never) => void, reject);
      for (let i = 0; i < keys.length; i++) {
        const [namespace, id] = keys[i] as EntryKey;
        this.#add(request, namespace, id, i, !idle);
      }
    });
    if (idle) this.sendNow();
    return read;
  }

  /**
   * Whether a read issued now goes out at once rather than with the tick's batch: when nothing
   * is batched yet, no read awaits its reply and none was answered since the last send. A read
   * out of the blue (a request arriving) then costs no wait for the end of the tick, which can be
   * long (a stampede's thousand calls run before it); reads issued while others are on the wire,
   * or by the callers of a reply, are batched as before, one MGET for the tick.
   */
  #isIdle(): boolean {
    return this.#batch === undefined && this.#awaiting === 0 && !this.#answeredSinceSend;
  }

  /** Add one read to the tick's batch; `schedule`: have the batch sent at the end of the tick. */
  #add(request: ReadRequest, namespace: string, id: string, position: number, schedule: boolean): void {
    const key = joinKey(namespace, id);
    let batch = this.#batch;
    if (batch === undefined) {
      batch = this.#batch = new ReadBatch(this.layout.shards.length, performance.now() + this.timeoutMs);
      if (schedule) this.schedule();
    }
    const layout = this.layout;
    const shard = layout.shardOf(key);
    let read = batch.reads[shard.index];
    if (read === undefined) {
      read = batch.reads[shard.index] = new ShardRead(shard);
      batch.used.push(read);
    }
    const entryAt = read.keys.push(layout.entryKey(shard, key)) - 1;
    let namespaceAt = read.lastNamespaceAt;
    if (namespace !== read.lastNamespace) {
      namespaceAt = read.lastNamespaceAt = read.generation(layout.namespaceKey(shard, namespace));
      read.lastNamespace = namespace;
    }
    const hint = this.hints.get(key, namespace);
    if (hint !== undefined) for (const tag of hint) read.generation(layout.tagKey(shard, tag));
    read.slots.push({ request, position, key, namespace, entryAt, namespaceAt, hint });
  }

  /** Send the pending reads, if any (one MGET per shard). */
  send(): void {
    this.#answeredSinceSend = false;
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    for (const read of batch.used) {
      this.#mget(read.keys, batch.deadline).then(
        (reply) => {
          try {
            this.#settle(read, reply, batch.deadline);
          } catch (error) {
            this.#fail(read.slots, error);
          }
        },
        (error: unknown) => this.#fail(read.slots, error),
      );
    }
  }

  #mget(keys: string[], deadline: number): Promise<Reply> {
    this.#awaiting++;
    const reply = this.connection.execute((client: Client) => (client as unknown as MgetBuffer).mgetBuffer(keys), deadline);
    reply.then(this.#answered, this.#answered);
    return reply;
  }

  #fail(slots: readonly Slot[], error: unknown): void {
    for (const { request } of slots) {
      if (request.settled) continue;
      request.settled = true;
      request.reject(this.connection.failure(request.operation, error));
    }
  }

  /** Check every read of a shard's MGET reply against the generation tokens beside it. */
  #settle(read: ShardRead, reply: Reply, deadline: number): void {
    const shard = read.shard;
    const allToken = reply[0] ?? null;
    let followUps: FollowUp[] | undefined;
    let stale: Envelope[] | undefined;
    let staleKeys: string[] | undefined;
    for (const slot of read.slots) {
      if (slot.request.settled) continue;
      const bytes = reply[slot.entryAt];
      if (bytes === null || bytes === undefined) {
        slot.request.deliver(slot.position, undefined);
        continue;
      }
      const envelope = parseEnvelope(bytes);
      if (envelope === undefined) {
        this.#decodeFailed(slot.key, new Error("the stored value is not a cacheflight entry (garbage, another program's value or an old format)"));
        slot.request.deliver(slot.position, undefined);
        continue;
      }
      const tags = envelope.tags;
      if (!sameTags(slot.hint, tags)) this.hints.learn(slot.key, slot.namespace, envelope.tagNames());
      let current = envelope.allIs(allToken) && envelope.namespaceIs(reply[slot.namespaceAt] ?? null);
      let missing = false;
      for (let i = 0; current && i < tags.length; i++) {
        const tag = tags[i] as TagToken;
        const at = read.indexOf(this.layout.tagKey(shard, tag.tag));
        if (at === undefined) missing = true;
        else current = envelope.tagIs(tag, reply[at] ?? null);
      }
      if (!current) {
        (stale ??= []).push(envelope);
        (staleKeys ??= []).push(this.layout.entryKey(shard, slot.key));
        slot.request.deliver(slot.position, undefined);
      } else if (missing) {
        (followUps ??= []).push({ slot, envelope });
      } else {
        slot.request.deliver(slot.position, this.#decode(slot.key, envelope));
      }
    }
    if (followUps !== undefined) this.#followUp(shard, followUps, deadline);
    if (staleKeys !== undefined) this.#dropStale(staleKeys, stale as Envelope[]);
  }

  /** Second round trip: the tag generation keys the first MGET did not name. */
  #followUp(shard: Shard, followUps: readonly FollowUp[], deadline: number): void {
    const read = new ShardRead(shard);
    for (const { envelope } of followUps) for (const tag of envelope.tags) read.generation(this.layout.tagKey(shard, tag.tag));
    const slots = followUps.map((followUp) => followUp.slot);
    // keys[0] is the prefix generation key, already checked: read again, unused.
    this.#mget(read.keys, deadline).then(
      (reply) => {
        try {
          const staleKeys: string[] = [];
          const stale: Envelope[] = [];
          for (const { slot, envelope } of followUps) {
            if (slot.request.settled) continue;
            const current = envelope.tags.every((tag) => envelope.tagIs(tag, reply[read.indexOf(this.layout.tagKey(shard, tag.tag)) as number] ?? null));
            if (current) slot.request.deliver(slot.position, this.#decode(slot.key, envelope));
            else {
              staleKeys.push(this.layout.entryKey(shard, slot.key));
              stale.push(envelope);
              slot.request.deliver(slot.position, undefined);
            }
          }
          if (staleKeys.length > 0) this.#dropStale(staleKeys, stale);
        } catch (error) {
          this.#fail(slots, error);
        }
      },
      (error: unknown) => this.#fail(slots, error),
    );
  }

  /** Delete stale entries in the background, each only while it still holds its stale header. */
  #dropStale(keys: string[], envelopes: readonly Envelope[]): void {
    const client = this.connection.readyClient();
    if (client === undefined) return; // left to their TTL (or the next read)
    runScript(client, DROP_STALE, keys, envelopes.map((envelope) => envelope.header()), false).catch(noop);
  }

  /**
   * The entry of an envelope that a leader's notice carried (written just then, under the
   * generation tokens current at that moment: no tokens to check), or `undefined` when it is not
   * a cacheflight entry or its payload cannot be decoded (reported like a read's).
   */
  decodeNotice(key: string, bytes: Buffer): RedisStoredEntry | undefined {
    const envelope = parseEnvelope(bytes);
    return envelope === undefined ? undefined : this.#decode(key, envelope);
  }

  #decode(key: string, envelope: Envelope): RedisStoredEntry | undefined {
    let value: unknown;
    try {
      value = this.serializer.decode(envelope.payload());
    } catch (error) {
      this.#decodeFailed(key, error);
      return undefined;
    }
    const tags = envelope.tags.length === 0 ? NO_TAG_NAMES : envelope.tagNames();
    const windows = envelope.windows;
    if (windows === undefined) return { value, expiresAt: envelope.expiresAt, tags };
    return { value, expiresAt: envelope.expiresAt, staleMs: windows.staleMs, graceMs: windows.graceMs, loadMs: windows.loadMs, tags };
  }

  #decodeFailed(key: string, cause: unknown): void {
    const why = cause instanceof Error ? cause.message : String(cause);
    this.notify({
      type: 'decode-error',
      key,
      error: new DecodeError(`redis store "${this.storeName}": the payload at "${key}" could not be decoded (${why}); treated as a miss.`, cause),
    });
  }
}

/** `mgetBuffer` exists at run time (every ioredis command has a Buffer variant). */
interface MgetBuffer {
  mgetBuffer(keys: string[]): Promise<Reply>;
}
