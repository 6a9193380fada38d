/**
 * The invalidation messages of the tiered store's bus: what one process tells the others to drop
 * from their L1, as JSON on the bus channel:
 *
 *     {"v":1,"from":"<instance id>","all":true}
 *     {"v":1,"from":"<instance id>","ns":["Svc.get"],"tags":["sku:1"],"keys":[["Svc.get","42"]]}
 *
 * `from` lets a process ignore its own messages. The invalidations issued in one tick travel in
 * one message (a long list of keys is split over several). A message a process cannot read
 * (another version, another program publishing on the channel) makes it drop its whole L1: the
 * safe answer to an invalidation it does not understand.
 */
import { joinKey, type EntryKey } from '../store.js';

/** Version of the message format. */
export const MESSAGE_VERSION = 1;

/** Most keys in one message; more are split over several. */
export const MAX_KEYS_PER_MESSAGE = 500;

/** What to drop from L1. */
export interface Invalidation {
  /** Drop everything (a `clear`, or a message that could not be read). */
  readonly all: boolean;
  /** Namespaces to drop. */
  readonly namespaces: readonly string[];
  /** Tags whose entries to drop. */
  readonly tags: readonly string[];
  /** Entries to drop. */
  readonly keys: readonly EntryKey[];
}

/** Drop everything. */
export const INVALIDATE_ALL: Invalidation = Object.freeze({ all: true, namespaces: [], tags: [], keys: [] });

/** Invalidations gathered into one message (duplicates removed). */
export class PendingInvalidation implements Invalidation {
  all = false;
  readonly #namespaces = new Set<string>();
  readonly #tags = new Set<string>();
  readonly #keys = new Map<string, EntryKey>();

  get namespaces(): string[] {
    return [...this.#namespaces];
  }

  get tags(): string[] {
    return [...this.#tags];
  }

  get keys(): EntryKey[] {
    return [...this.#keys.values()];
  }

  /** Nothing gathered. */
  get empty(): boolean {
    return !this.all && this.#namespaces.size === 0 && this.#tags.size === 0 && this.#keys.size === 0;
  }

  addKeys(keys: readonly EntryKey[]): void {
    if (this.all) return;
    for (const key of keys) this.#keys.set(joinKey(key[0], key[1]), key);
  }

  addNamespace(namespace: string): void {
    if (!this.all) this.#namespaces.add(namespace);
  }

  addTags(tags: readonly string[]): void {
    if (!this.all) for (const tag of tags) this.#tags.add(tag);
  }

  addAll(): void {
    this.all = true;
    this.#namespaces.clear();
    this.#tags.clear();
    this.#keys.clear();
  }

  /** Add what `other` holds. */
  merge(other: Invalidation): void {
    if (other.all) return this.addAll();
    for (const namespace of other.namespaces) this.addNamespace(namespace);
    this.addTags(other.tags);
    this.addKeys(other.keys);
  }

  /** The message(s) saying all this, sent by instance `from`. */
  encode(from: string): string[] {
    if (this.all) return [JSON.stringify({ v: MESSAGE_VERSION, from, all: true })];
    const keys = this.keys;
    const messages: string[] = [];
    let first = true;
    for (let start = 0; first || start < keys.length; start += MAX_KEYS_PER_MESSAGE) {
      const body: Record<string, unknown> = { v: MESSAGE_VERSION, from };
      if (first) {
        if (this.#namespaces.size > 0) body['ns'] = this.namespaces;
        if (this.#tags.size > 0) body['tags'] = this.tags;
        first = false;
      }
      const chunk = keys.slice(start, start + MAX_KEYS_PER_MESSAGE);
      if (chunk.length > 0) body['keys'] = chunk;
      messages.push(JSON.stringify(body));
    }
    return messages;
  }
}

/** A message as read: who sent it and what it invalidates. */
export interface BusMessage {
  readonly from: string;
  readonly invalidation: Invalidation;
}

/** Read a message; `undefined` when it is not one this version understands. */
export function decodeMessage(text: string): BusMessage | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { v, from, all, ns = [], tags = [], keys = [] } = body as Record<string, unknown>;
  if (v !== MESSAGE_VERSION || typeof from !== 'string') return undefined;
  if (all === true) return { from, invalidation: INVALIDATE_ALL };
  if (!isStringList(ns) || !isStringList(tags) || !Array.isArray(keys)) return undefined;
  for (const key of keys as unknown[]) if (!Array.isArray(key) || key.length !== 2 || !isStringList(key)) return undefined;
  return { from, invalidation: { all: false, namespaces: ns, tags, keys: keys as EntryKey[] } };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
