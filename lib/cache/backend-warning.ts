/**
 * The one process warning a cache gives for a failing store: without it, an unreachable Redis
 * looks like a cache that never hits (calls run uncached, no error reaches the caller). It is
 * emitted for the first store error of a cache, once, and never when the application handles
 * store errors itself (a `backend-error` listener, or `required: true`, where the call rejects).
 */
import type { StoreOperation } from './events.js';

/** The `code` of the warning, for `process.on('warning')` filters and `--disable-warning`. */
export const BACKEND_WARNING_CODE = 'CACHEFLIGHT_BACKEND';

/**
 * Emit the warning for a cache's first store error.
 *
 * @param cache - the cache's name
 * @param operation - what the store was doing
 * @param key - the key concerned, if one
 * @param error - the store's error (its message names the server and what to check)
 */
export function warnBackendFailure(cache: string, operation: StoreOperation, key: string | undefined, error: Error): void {
  process.emitWarning(
    `cacheflight cache "${cache}": the store failed (${operation}${key === undefined ? '' : ` of "${key}"`}): ${error.message} ` +
      `Calls run uncached until it works again. This is reported once; listen to cache.on('backend-error', ...) ` +
      `to handle store errors yourself (then this warning is not emitted).`,
    { type: 'CacheflightWarning', code: BACKEND_WARNING_CODE },
  );
}
