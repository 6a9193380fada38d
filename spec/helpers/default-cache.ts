import { createCache, registerCache, unregisterCache, type Cache } from '../../lib/index.js';

/**
 * Register a fresh default cache before each test of the enclosing block and close it after.
 *
 * @returns the current test's cache
 */
export function useDefaultCache(): () => Cache {
  let cache: Cache | undefined;
  beforeEach(() => {
    cache = registerCache(createCache());
  });
  afterEach(async () => {
    unregisterCache();
    await cache?.close();
  });
  return () => cache as Cache;
}
