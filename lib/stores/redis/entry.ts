import type { StoredEntry } from '../store.js';

/**
 * An entry as the Redis store answers it: a {@link StoredEntry} plus the tags its envelope
 * recorded. A tiered store keeps these tags on the copy it promotes into its in-process tier, so
 * that a tag invalidation reaches that copy too.
 */
export interface RedisStoredEntry extends StoredEntry {
  /** The tags the entry was written with (empty for an untagged entry). */
  readonly tags: readonly string[];
}
