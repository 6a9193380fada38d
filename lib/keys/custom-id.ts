import { CacheKeyError } from '../core/errors.js';
import { digestKey } from './digest.js';
import { DEFAULT_MAX_KEY_LENGTH } from './encode-args.js';

/**
 * The entry id of a key given by a `key` function: `k` + the string or finite number (a 'k'
 * prefix keeps a custom key from ever looking like a derived encoding or a digest, `#...`), or
 * the digest of a string longer than the key bound.
 *
 * @param label - names the method or function in the error
 * @throws CacheKeyError when `id` is neither a string nor a finite number
 */
export function customId(id: unknown, label: string): string {
  if (typeof id === 'number' && Number.isFinite(id)) return 'k' + String(id);
  if (typeof id !== 'string') {
    throw new CacheKeyError(`The key function of ${label} returned ${typeof id}; it must return a string or a finite number.`);
  }
  return id.length > DEFAULT_MAX_KEY_LENGTH ? digestKey(id) : 'k' + id;
}
