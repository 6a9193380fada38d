/**
 * Cache scopes (what cacheflight/nestjs binds an application's instances to), without NestJS:
 * a decorated call of an instance in a scope uses the scope's caches, by name too; an instance
 * in no scope (or a name the scope lacks) uses the registered caches; binders fill the table
 * lazily on a call whose instance is in no scope, until they remove themselves.
 */
import { expect } from 'chai';
import { scopeTable, type CacheScope } from '../../lib/cache/registry.js';
import { Cacheable, CacheEvict, CachePut, createCache, NoCacheRegisteredError, registerCache, unregisterCache, type Cache } from '../../lib/index.js';
import { uniqueNamespace } from '../helpers/unique.js';

describe('cache scopes', () => {
  const opened: Cache[] = [];
  const cache = (): Cache => {
    const made = createCache();
    opened.push(made);
    return made;
  };
  afterEach(async () => {
    unregisterCache();
    unregisterCache('named');
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  function serviceClass() {
    const namespace = uniqueNamespace('scoped');
    class Service {
      loads = 0;
      @Cacheable({ namespace })
      async read(id: number): Promise<number> {
        this.loads++;
        return id;
      }
      @Cacheable({ namespace: `${namespace}-named`, cache: 'named' })
      async named(id: number): Promise<number> {
        this.loads++;
        return id;
      }
      @CacheEvict({ method: 'read' })
      async evict(_id: number): Promise<void> {}
      @CachePut({ method: 'read' })
      async put(id: number): Promise<number> {
        return id;
      }
    }
    return Service;
  }

  it("a scoped instance uses its scope's caches, an unscoped one the registered caches", async () => {
    const Service = serviceClass();
    const registered = registerCache(cache());
    const scope: CacheScope = { default: cache(), named: new Map([['named', cache()]]) };
    const [inScope, outside] = [new Service(), new Service()];
    scopeTable().byInstance.set(inScope, scope);
    await inScope.read(1);
    await inScope.read(1);
    await inScope.named(1);
    await outside.read(1);
    expect(scope.default?.stats()).to.include({ hits: 1, misses: 1 });
    expect(scope.named.get('named')?.stats()).to.include({ misses: 1 });
    expect(registered.stats()).to.include({ hits: 0, misses: 1 });
    await inScope.evict(1);
    await inScope.read(1);
    expect(inScope.loads, "the eviction went to the scope's cache").to.equal(3);
    await inScope.put(2);
    await inScope.read(2);
    expect(inScope.loads, "the put went to the scope's cache").to.equal(3);
    scopeTable().byInstance.delete(inScope);
  });

  it('a name the scope lacks falls back to the registered cache of that name, and fails without one', async () => {
    const Service = serviceClass();
    const scope: CacheScope = { default: cache(), named: new Map() };
    const svc = new Service();
    scopeTable().byInstance.set(svc, scope);
    let error: unknown;
    await svc.named(1).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(NoCacheRegisteredError);
    const named = registerCache(cache(), 'named');
    await svc.named(1);
    expect(named.stats()).to.include({ misses: 1 });
    scopeTable().byInstance.delete(svc);
  });

  it('binders map instances on a call whose instance is in no scope, until they remove themselves', async () => {
    const Service = serviceClass();
    const scope: CacheScope = { default: cache(), named: new Map() };
    const svc = new Service();
    const table = scopeTable();
    let runs = 0;
    const bind = (): void => {
      runs++;
      table.byInstance.set(svc, scope);
      table.binders.delete(bind);
    };
    table.binders.add(bind);
    await svc.read(1);
    await svc.read(1);
    expect(runs).to.equal(1);
    expect(scope.default?.stats()).to.include({ hits: 1, misses: 1 });
    expect(table.binders.has(bind)).to.equal(false);
    table.byInstance.delete(svc);
  });
});
