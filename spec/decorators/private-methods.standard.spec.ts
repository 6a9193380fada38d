/** Standard (TC39) decorators only: legacy decorators cannot decorate private methods. */
import { expect } from 'chai';
import { Cacheable, createCache, registerCache, unregisterCache } from '../../lib/index.js';
import { uniqueNamespace } from '../helpers/unique.js';

describe('private methods (standard decorators)', () => {
  it('caches a private method', async () => {
    const cache = registerCache(createCache());
    let loads = 0;
    class Secretive {
      @Cacheable({ namespace: uniqueNamespace() })
      async #secret(id: number): Promise<number> {
        return ++loads;
      }
      read(id: number): Promise<number> {
        return this.#secret(id);
      }
    }
    try {
      const svc = new Secretive();
      await svc.read(1);
      await svc.read(1);
      expect(loads).to.equal(1);
    } finally {
      unregisterCache();
      await cache.close();
    }
  });
});
