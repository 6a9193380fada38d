/**
 * A clock read at most about once per millisecond. `Date.now()` costs ~40 ns on some virtual
 * machines, a large share of a memory hit; TTLs need no finer resolution. The cached reading is
 * dropped by an unref'd 1 ms timer (lru-cache's `ttlResolution` does the same), so entries expire
 * within about a millisecond of their TTL while the event loop runs. A replaced `Date` (fake
 * timers in tests) is noticed at once.
 */
let cached = 0;
let cachedWith: DateConstructor | undefined;

/** `Date.now()`, possibly up to about a millisecond old. */
export function coarseNow(): number {
  if (cached !== 0 && cachedWith === Date) return cached;
  cached = Date.now();
  cachedWith = Date;
  setTimeout(forget, 1).unref();
  return cached;
}

function forget(): void {
  cached = 0;
}
