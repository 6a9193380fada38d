/**
 * Keeps an L2 read from promoting a stale value into L1.
 *
 * A read of L2 may answer the value from before a write whose invalidation reached this process
 * while the read was in flight (the invalidation is applied to L1 first, then the old value
 * arrives and would be kept in L1 until its TTL). So every invalidation, local or received, is
 * numbered, and a read may promote what it read only if nothing that covers its entry (the key,
 * its namespace, one of its tags, everything) was invalidated since the read began. The caller
 * still gets the value: it was current when the read was served.
 *
 * Key, namespace and tag invalidations are recorded only while reads are in flight and forgotten
 * when none is, so the maps stay as small as the traffic.
 */
import { joinKey } from '../store.js';

/** Numbers invalidations and tells whether a read of L2 may promote its entry (see the file comment). */
export class PromotionGuard {
  #seq = 0;
  #reads = 0;
  #allAt = 0;
  readonly #keyAt = new Map<string, number>();
  readonly #namespaceAt = new Map<string, number>();
  readonly #tagAt = new Map<string, number>();

  /** A read of L2 begins; answers its start mark (for {@link allows}). Pair with {@link end}. */
  begin(): number {
    this.#reads++;
    return this.#seq;
  }

  /** A read of L2 ended (after its {@link allows} check). */
  end(): void {
    if (--this.#reads === 0 && (this.#keyAt.size !== 0 || this.#namespaceAt.size !== 0 || this.#tagAt.size !== 0)) {
      this.#keyAt.clear();
      this.#namespaceAt.clear();
      this.#tagAt.clear();
    }
  }

  /** May an entry of `namespace`/`id` carrying `tags`, read since `start`, go into L1? */
  allows(start: number, namespace: string, id: string, tags: readonly string[]): boolean {
    if (this.#allAt > start) return false;
    if (this.#namespaceAt.size !== 0 && (this.#namespaceAt.get(namespace) ?? 0) > start) return false;
    if (this.#keyAt.size !== 0 && (this.#keyAt.get(joinKey(namespace, id)) ?? 0) > start) return false;
    if (this.#tagAt.size !== 0) for (const tag of tags) if ((this.#tagAt.get(tag) ?? 0) > start) return false;
    return true;
  }

  /** Entry `id` of `namespace` was written or dropped. */
  key(namespace: string, id: string): void {
    if (this.#reads !== 0) this.#keyAt.set(joinKey(namespace, id), ++this.#seq);
  }

  /** Every entry of `namespace` was dropped. */
  namespace(namespace: string): void {
    if (this.#reads !== 0) this.#namespaceAt.set(namespace, ++this.#seq);
  }

  /** The entries carrying one of `tags` were dropped. */
  tags(tags: readonly string[]): void {
    if (this.#reads === 0) return;
    const at = ++this.#seq;
    for (const tag of tags) this.#tagAt.set(tag, at);
  }

  /** Everything was dropped (clear, bus (re)subscribed, unreadable message). */
  all(): void {
    this.#allAt = ++this.#seq;
  }
}
