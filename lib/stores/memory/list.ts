import type { MemoryNode } from './node.js';

/**
 * The recency order of a memory store: a doubly linked list threaded through the nodes
 * themselves, so moving an entry costs a few pointer writes and no allocation. Also carries the
 * sweep cursor, which every unlink keeps valid.
 */
export class RecencyList {
  /** Most recently used node. */
  newest: MemoryNode | undefined = undefined;
  /** Least recently used node: the next to evict. */
  oldest: MemoryNode | undefined = undefined;
  /** Next node the sweep inspects; walks oldest to newest, then wraps. */
  #cursor: MemoryNode | undefined = undefined;

  /**
   * Make `node` (already linked) the most recently used.
   *
   * @param node - a linked node
   */
  touch(node: MemoryNode): void {
    if (node === this.newest) return;
    this.unlink(node);
    this.push(node);
  }

  /**
   * Link an unlinked `node` as the most recently used.
   *
   * @param node - a node not in the list
   */
  push(node: MemoryNode): void {
    const newest = this.newest;
    node.older = newest;
    if (newest === undefined) this.oldest = node;
    else newest.newer = node;
    this.newest = node;
  }

  /**
   * Take `node` out of the list.
   *
   * @param node - a linked node
   */
  unlink(node: MemoryNode): void {
    if (node === this.#cursor) this.#cursor = node.newer;
    const { newer, older } = node;
    if (newer === undefined) this.newest = older;
    else newer.older = older;
    if (older === undefined) this.oldest = newer;
    else older.newer = newer;
    // Cleared so an entry a caller still holds does not keep its old neighbours alive.
    node.newer = undefined;
    node.older = undefined;
  }

  /** The node the sweep inspects next (advancing the cursor, wrapping at the newest end). */
  nextToSweep(): MemoryNode | undefined {
    const node = this.#cursor ?? this.oldest;
    if (node !== undefined) this.#cursor = node.newer;
    return node;
  }

  /** Empty the list, unchaining every node: callers may hold some and must not pin the rest. */
  clear(): void {
    for (let node = this.oldest; node !== undefined; ) {
      const next = node.newer;
      node.newer = undefined;
      node.older = undefined;
      node = next;
    }
    this.newest = this.oldest = this.#cursor = undefined;
  }
}
