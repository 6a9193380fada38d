/**
 * Decorators that compose: several on one method, one that evicts several methods' entries, a
 * put keyed by its result, puts with condition/unless, and async unless/tags/resultTags. Runs in
 * both decorator modes (the suite runs twice).
 */
import { expect } from 'chai';
import { Cacheable, CacheEvict, CachePut, InvalidOptionError, UnknownMethodError, type CacheEventMap } from '../../lib/index.js';
import { deferred } from '../helpers/deferred.js';
import { useDefaultCache } from '../helpers/default-cache.js';
import { uniqueNamespace } from '../helpers/unique.js';

interface Product {
  readonly id: number;
  readonly name: string;
}

describe('composed decorators', () => {
  const cache = useDefaultCache();

  it('@CachePut and @CacheEvict on one method: the new value is put, the list is evicted', async () => {
    class Catalog {
      reads = 0;
      lists = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async getProduct(id: number): Promise<Product> {
        this.reads++;
        return { id, name: `from db ${this.reads}` };
      }
      @Cacheable({ namespace: uniqueNamespace() })
      async listProducts(): Promise<number> {
        return ++this.lists;
      }
      @CachePut({ method: 'getProduct', args: (p: Product) => [p.id] })
      @CacheEvict({ method: 'listProducts', allEntries: true })
      async updateProduct(p: Product): Promise<Product> {
        return p;
      }
    }
    const catalog = new Catalog();
    await catalog.getProduct(1);
    expect(await catalog.listProducts()).to.equal(1);
    await catalog.updateProduct({ id: 1, name: 'renamed' });
    expect(await catalog.getProduct(1)).to.deep.equal({ id: 1, name: 'renamed' });
    expect(catalog.reads).to.equal(1);
    expect(await catalog.listProducts()).to.equal(2);
  });

  it('several @CacheEvict on one method each evict', async () => {
    class Svc {
      a = 0;
      b = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async getA(id: number): Promise<number> {
        return id * 10 + ++this.a;
      }
      @Cacheable({ namespace: uniqueNamespace() })
      async getB(id: number): Promise<number> {
        return id * 10 + ++this.b;
      }
      @CacheEvict({ method: 'getA' })
      @CacheEvict({ method: 'getB' })
      @CacheEvict({ tags: ['unused'] })
      async touch(id: number): Promise<void> {
        void id;
      }
    }
    const svc = new Svc();
    expect([await svc.getA(1), await svc.getB(1)]).to.deep.equal([11, 11]);
    await svc.touch(1);
    expect([await svc.getA(1), await svc.getB(1)]).to.deep.equal([12, 12]);
  });

  it('one @CacheEvict evicts the entries of several methods', async () => {
    class Svc {
      loads = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async getProduct(id: number): Promise<number> {
        return ++this.loads;
      }
      @Cacheable({ namespace: uniqueNamespace() })
      async getPrice(id: number): Promise<number> {
        return ++this.loads;
      }
      @CacheEvict({ method: ['getProduct', 'getPrice'] })
      async changed(id: number): Promise<void> {
        void id;
      }
      @CacheEvict({ method: ['getProduct', 'getPrice'], allEntries: true })
      async reset(): Promise<void> {}
    }
    const svc = new Svc();
    await Promise.all([svc.getProduct(1), svc.getPrice(1), svc.getProduct(2)]);
    expect(svc.loads).to.equal(3);
    await svc.changed(1);
    await Promise.all([svc.getProduct(1), svc.getPrice(1), svc.getProduct(2)]);
    expect(svc.loads).to.equal(5); // entry 2 kept
    await svc.reset();
    await Promise.all([svc.getProduct(1), svc.getPrice(1), svc.getProduct(2)]);
    expect(svc.loads).to.equal(8);
  });

  /** What both orders of @Cacheable and @CacheEvict on `get` must do. */
  interface Both {
    list(): Promise<number>;
    get(id: number): Promise<number>;
    drop(id: number): Promise<void>;
  }
  async function cachesAndEvicts(svc: Both, ns: string): Promise<void> {
    expect(await svc.list()).to.equal(1);
    expect(await svc.get(1)).to.equal(101);
    expect(await svc.get(1)).to.equal(101); // cached
    expect(await svc.list()).to.equal(2); // the load of get evicted the list
    expect(await cache().get(`${ns}:1`)).to.equal(101);
    await svc.drop(1); // another method's @CacheEvict finds get's entries through the outer wrapper
    expect(await cache().get(`${ns}:1`)).to.equal(undefined);
    expect(await svc.get(1)).to.equal(102);
  }

  it('@Cacheable above @CacheEvict on one method: it caches, evicts, and stays addressable by other decorators', async () => {
    const ns = uniqueNamespace();
    class Svc implements Both {
      loads = 0;
      lists = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async list(): Promise<number> {
        return ++this.lists;
      }
      @Cacheable({ namespace: ns })
      @CacheEvict({ method: 'list', allEntries: true })
      async get(id: number): Promise<number> {
        return id * 100 + ++this.loads;
      }
      @CacheEvict({ method: 'get' })
      async drop(id: number): Promise<void> {
        void id;
      }
    }
    await cachesAndEvicts(new Svc(), ns);
  });

  it('@CacheEvict above @Cacheable on one method: the same', async () => {
    const ns = uniqueNamespace();
    class Svc implements Both {
      loads = 0;
      lists = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async list(): Promise<number> {
        return ++this.lists;
      }
      @CacheEvict({ method: 'list', allEntries: true })
      @Cacheable({ namespace: ns })
      async get(id: number): Promise<number> {
        return id * 100 + ++this.loads;
      }
      @CacheEvict({ method: 'get' })
      async drop(id: number): Promise<void> {
        void id;
      }
    }
    await cachesAndEvicts(new Svc(), ns);
  });

  it('@CachePut keyed by its result: a create puts the entity under its new id', async () => {
    class Repo {
      reads = 0;
      next = 41;
      @Cacheable({ namespace: uniqueNamespace() })
      async getProduct(id: number): Promise<Product | undefined> {
        this.reads++;
        return undefined;
      }
      @CachePut({ method: 'getProduct', resultArgs: (created: Product) => [created.id] })
      async create(name: string): Promise<Product> {
        return { id: ++this.next, name };
      }
    }
    const repo = new Repo();
    const created = await repo.create('lamp');
    expect(await repo.getProduct(created.id)).to.deep.equal({ id: 42, name: 'lamp' });
    expect(repo.reads).to.equal(0);
  });

  it('@CachePut with condition and unless puts only what they allow', async () => {
    class Repo {
      reads = 0;
      @Cacheable({ namespace: uniqueNamespace() })
      async get(id: number): Promise<string> {
        this.reads++;
        return `db ${id}`;
      }
      @CachePut({ method: 'get', args: (id: number) => [id], condition: (id: number) => id > 0, unless: async (result: string) => result.startsWith('draft') })
      async save(id: number, text: string): Promise<string> {
        return text;
      }
    }
    const repo = new Repo();
    await repo.save(0, 'zero'); // condition false
    await repo.save(1, 'draft one'); // unless true (async)
    await repo.save(2, 'final two');
    expect(await repo.get(0)).to.equal('db 0');
    expect(await repo.get(1)).to.equal('db 1');
    expect(await repo.get(2)).to.equal('final two');
    expect(repo.reads).to.equal(2);
  });

  it('async unless, tags and resultTags decide the store; the caller is answered at once', async () => {
    const decided = deferred<boolean>();
    let loads = 0;
    class Svc {
      @Cacheable({
        namespace: uniqueNamespace(),
        unless: () => decided.promise,
        tags: async (id: number) => [`item:${id}`],
        resultTags: async () => ['all-items'],
      })
      async get(id: number): Promise<number> {
        return ++loads * 0 + id;
      }
    }
    const svc = new Svc();
    expect(await svc.get(7)).to.equal(7); // answered before unless settled
    decided.resolve(false);
    await svc.get(7); // joins the flight until the write landed, or hits
    expect(loads).to.equal(1);
    await cache().invalidateTags(['all-items']);
    await svc.get(7);
    expect(loads).to.equal(2);
    await cache().invalidateTags(['item:7']);
    await svc.get(7);
    expect(loads).to.equal(3);
  });

  it('getOrSet takes async unless and tags too; a rejecting one skips the store and reports why', async () => {
    const skipped: Array<CacheEventMap['store-skipped']> = [];
    cache().on('store-skipped', (event) => skipped.push(event));
    expect(await cache().getOrSet('k:declined', async () => 1, { unless: async () => true })).to.equal(1);
    expect(await cache().getOrSet('k:tagged', async () => 2, { tags: async () => ['t'] })).to.equal(2);
    expect(await cache().getOrSet('k:broken', async () => 3, { unless: () => Promise.reject(new Error('policy down')) })).to.equal(3);
    await cache().getOrSet('k:declined', async () => 0); // waits for nothing: declined entries are absent
    expect(await cache().get('k:declined')).to.equal(0);
    expect(await cache().get('k:tagged')).to.equal(2);
    expect(await cache().get('k:broken')).to.equal(undefined);
    expect(skipped.map((event) => event.reason)).to.deep.equal(['unless', 'callback-failed']);
    expect(skipped[1]?.error?.message).to.equal('policy down');
    await cache().invalidateTags(['t']);
    expect(await cache().get('k:tagged')).to.equal(undefined);
  });

  it('an eviction while an async unless is pending wins: nothing is stored', async () => {
    const decided = deferred<boolean>();
    const answer = await cache().getOrSet('k:race', async () => 'old', { unless: () => decided.promise });
    expect(answer).to.equal('old');
    await cache().del('k:race');
    decided.resolve(false);
    await cache().getOrSet('k:race', async () => 'new');
    expect(await cache().get('k:race')).to.equal('new');
  });

  it('@CacheEvict tags may come from an async function of the arguments', async () => {
    let loads = 0;
    class Svc {
      @Cacheable({ namespace: uniqueNamespace(), tags: (id: number) => [`o:${id}`] })
      async get(id: number): Promise<number> {
        return ++loads + id * 0;
      }
      @CacheEvict({ tags: async (id: number) => [`o:${id}`] })
      async change(id: number): Promise<void> {
        void id;
      }
    }
    const svc = new Svc();
    await svc.get(1);
    await svc.change(1);
    await svc.get(1);
    expect(loads).to.equal(2);
  });

  it('rejects misuse with typed errors', () => {
    expect(() => CacheEvict({ method: [] })).to.throw(InvalidOptionError, 'empty list');
    expect(() => CachePut({ namespace: 'x', key: () => 1, resultArgs: () => [] })).to.throw(InvalidOptionError, 'resultArgs');
    expect(() => CachePut({ method: 'get', args: () => [], resultArgs: () => [] })).to.throw(InvalidOptionError, 'resultArgs');
    expect(() => CachePut({ method: 'get', condition: 'yes' as never })).to.throw(InvalidOptionError, 'condition');
    let error: unknown;
    try {
      class Svc {
        @Cacheable({ namespace: uniqueNamespace() })
        async get(id: number): Promise<number> {
          return id;
        }
        @CacheEvict({ method: ['get', 'gett' as string] })
        async change(id: number): Promise<void> {
          void id;
        }
      }
      void new Svc().change(1).catch((caught: unknown) => (error = caught));
    } catch (caught) {
      error = caught;
    }
    // Legacy: when the class is defined; standard: when the first instance is built or called.
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      expect(error).to.be.instanceOf(UnknownMethodError);
      expect((error as Error).message).to.contain('gett');
    });
  });
});
