/**
 * Key layout and generation keys of the Redis store (the scheme is described in `../redis.ts`).
 *
 * Standalone: one shard whose base is the prefix.
 *   entry            `prefix:namespace:id`          (the Store key `namespace:id` after `prefix:`)
 *   prefix gen       `prefix::all`
 *   namespace gen    `prefix::ns:<namespace>`
 *   tag gen          `prefix::tag:<tag>`
 *   lease            `prefix::lease:namespace:id`   (the one process loading the entry, see `lease-scripts.ts`)
 *   invalidation log `prefix::log`                  (recent namespace/tag/prefix invalidations, for fenced writes)
 *
 * Every key starts with `prefix:` (on a Cluster `prefix:{tag}:`), so that one ACL pattern
 * (`~prefix:*`) and one `SCAN MATCH prefix:*` cover all of them. The store's own keys continue the
 * base with `::`: a Store key never starts with `:` (a namespace is never empty when an id has a
 * `:`, and the bare ids of namespace `''` have none), so they never collide with an entry.
 *
 * Cluster: N shards; shard k's base is `prefix:{<hashtag k>}`, so every key of a shard (entries and
 * its own copies of the generation keys) lives in one hash slot: one MGET reads an entry and its
 * generation keys atomically, and one script writes an entry against them. The hash tags are chosen so the N slots are evenly
 * spaced over 0..16383 (masters own contiguous slot ranges, so entries spread evenly over them).
 * An entry's shard is a hash of its whole Store key: one namespace spreads over every shard.
 *
 * `{`/`}` are forbidden in prefixes, so the shard's hash tag is the first `{...}` of every key.
 */
import { randomBytes } from 'node:crypto';
import { namespaceOf } from '../store.js';

/** What follows a shard's base in the store's own keys (an entry's Store key never starts with `:`). */
const OWN = '::';

/**
 * The pub/sub channel of a prefix's invalidation bus (tiered store): under `prefix:` like every
 * key, so that an ACL `&prefix:*` allows it. Channels are server-wide, not per database: the
 * database number (when not 0) keeps databases apart.
 */
export function busChannel(prefix: string, database: number): string {
  return `${prefix}${OWN}bus${database === 0 ? '' : `:${database}`}`;
}

/**
 * The pub/sub channel on which a write made under a lease (and a lease released without a write)
 * is announced, so that processes waiting for that load read the entry at once. Named like
 * {@link busChannel}.
 */
export function flightChannel(prefix: string, database: number): string {
  return `${prefix}${OWN}flights${database === 0 ? '' : `:${database}`}`;
}

/** Number of hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/** One shard: the keys that live together (in one hash slot on a Cluster). */
export interface Shard {
  /** Index of the shard. */
  readonly index: number;
  /** `prefix` (standalone) or `prefix:{tag}` (Cluster). */
  readonly base: string;
  /** The prefix generation key of this shard. */
  readonly allKey: string;
  /** Prefix of this shard's tag generation keys (`base::tag:`); the DELETE script appends tag names. */
  readonly tagKeyPrefix: string;
  /** This shard's log of recent namespace, tag and prefix invalidations (see `lease-scripts.ts`). */
  readonly logKey: string;
}

/** CRC16/XMODEM, the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash slot of a key, as Redis Cluster computes it (first non-empty `{...}` hash tag). */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % CLUSTER_SLOTS;
}

/**
 * `count` hash tags whose slots are spread evenly: tag k hashes into slot range
 * `[k * 16384 / count, (k + 1) * 16384 / count)`. Deterministic, so every process agrees.
 */
export function shardHashTags(count: number): string[] {
  const tags = new Array<string | undefined>(count).fill(undefined);
  let missing = count;
  for (let candidate = 0; missing > 0; candidate++) {
    const tag = candidate.toString(36);
    const bucket = Math.floor((keySlot(tag) * count) / CLUSTER_SLOTS);
    if (tags[bucket] === undefined) {
      tags[bucket] = tag;
      missing--;
    }
  }
  return tags as string[];
}

/** FNV-1a over UTF-16 code units: a fast, stable hash to pick an entry's shard. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Where every key of a store lives. */
export class KeyLayout {
  /** The shards: one on a standalone server, `clusterShards` on a Cluster. */
  readonly shards: readonly Shard[];

  /**
   * @param prefix - the validated prefix (no `{`, `}`)
   * @param shardCount - 1 for a standalone server
   * @param cluster - use hash-tagged shard bases
   */
  constructor(prefix: string, shardCount: number, cluster: boolean) {
    const bases = cluster ? shardHashTags(shardCount).map((tag) => `${prefix}:{${tag}}`) : [prefix];
    this.shards = bases.map((base, index) => ({ index, base, allKey: `${base}${OWN}all`, tagKeyPrefix: `${base}${OWN}tag:`, logKey: `${base}${OWN}log` }));
  }

  /** The shard of a Store key. */
  shardOf(key: string): Shard {
    const shards = this.shards;
    return shards.length === 1 ? (shards[0] as Shard) : (shards[fnv1a(key) % shards.length] as Shard);
  }

  /** The Redis key of an entry: `base:namespace:id`. */
  entryKey(shard: Shard, key: string): string {
    return `${shard.base}:${key}`;
  }

  /** The lease key of a Store key's entry: held by the one process loading it. */
  leaseKey(shard: Shard, key: string): string {
    return `${shard.base}${OWN}lease:${key}`;
  }

  /**
   * The mark that another process waits for a Store key's load (set by a claim answered `wait`):
   * the leader's write then tells the waiters the value itself, sparing them a read.
   */
  waitingKey(shard: Shard, key: string): string {
    return `${shard.base}${OWN}waiting:${key}`;
  }

  /** The namespace generation key of a Store key's namespace, in `shard`. */
  namespaceKeyOf(shard: Shard, key: string): string {
    return this.namespaceKey(shard, namespaceOf(key));
  }

  /** The generation key of `namespace` in `shard`. */
  namespaceKey(shard: Shard, namespace: string): string {
    return `${shard.base}${OWN}ns:${namespace}`;
  }

  /** The generation key of `tag` in `shard`. */
  tagKey(shard: Shard, tag: string): string {
    return `${shard.tagKeyPrefix}${tag}`;
  }

  /** Group Store keys (or anything carrying one) by shard, keeping each item's position. */
  group<T>(items: readonly T[], keyOf: (item: T) => string): Array<{ shard: Shard; items: T[]; positions: number[] }> {
    const groups = new Map<Shard, { shard: Shard; items: T[]; positions: number[] }>();
    items.forEach((item, position) => {
      const shard = this.shardOf(keyOf(item));
      let group = groups.get(shard);
      if (!group) groups.set(shard, (group = { shard, items: [], positions: [] }));
      group.items.push(item);
      group.positions.push(position);
    });
    return [...groups.values()];
  }
}

/**
 * Generation tokens: unique across processes and time (a random per-process part + a counter),
 * so a generation key that is deleted (invalidation) or evicted and later recreated never takes
 * back a value an old entry recorded. A token is 12 base64url characters and 1 to 6 base-36
 * digits: 13 to 18 of `[A-Za-z0-9_-]` (never `:`); the WRITE script replaces any other value it
 * finds at a generation key (see `IS_TOKEN` in `scripts.ts`).
 */
export class TokenSource {
  #base = randomBytes(9).toString('base64url');
  #counter = 0;

  /** A fresh token. */
  next(): string {
    if (this.#counter >= 0x7fffffff) {
      this.#base = randomBytes(9).toString('base64url');
      this.#counter = 0;
    }
    return `${this.#base}${(this.#counter++).toString(36)}`;
  }
}
