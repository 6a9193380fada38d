/**
 * The decorators' semantics, written once and run against every store (memory, Redis, Redis
 * Cluster, tiered): keys, single-flight, eviction races, TTL, tags, allEntries, values. Uses real time
 * (short TTLs) so that it also holds against a server's clock; fake-clock TTL tests live in the
 * memory-only spec.
 */
import { expect } from 'chai';
import {
  Cacheable,
  CacheEvict,
  CacheKeyError,
  CachePut,
  registerCache,
  unregisterCache,
  type Cache,
  type CacheEventMap,
} from '../../lib/index.js';
import { deferred, sleep, until } from '../helpers/deferred.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { rejection } from '../helpers/thrown.js';

// Defined once (default namespaces `Orders.get` and `Invoices.get`), used by every run of the suite.
class Orders {
  @Cacheable()
  async get(id: number): Promise<string> {
    return `order ${id}`;
  }
}
class Invoices {
  @Cacheable()
  async get(id: number): Promise<string> {
    return `invoice ${id}`;
  }
}

/** Run the shared decorator semantics against caches made by `makeCache`. */
export function describeDecoratorSemantics(label: string, makeCache: () => Promise<Cache> | Cache): void {
  describe(`decorator semantics on ${label}`, function () {
    let cache: Cache;

    beforeEach(async () => {
      cache = await makeCache();
      registerCache(cache);
    });

    afterEach(async () => {
      unregisterCache();
      await cache.close();
    });

    describe('keys', () => {
      it('gives equal argument lists the same entry, whatever the object key order', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async find(filter: object, page: number): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        expect(await svc.find({ a: 1, b: { c: [1, 2], d: 'x' } }, 1)).to.equal(1);
        expect(await svc.find({ b: { d: 'x', c: [1, 2] }, a: 1 }, 1)).to.equal(1);
        expect(svc.loads).to.equal(1);
      });

      it('keys a repeated argument object by its content at each call, also after it is mutated in place', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async find(filter: { a: number; tags: string[] }): Promise<string> {
            this.loads++;
            return `${filter.a}:${filter.tags.join()}`;
          }
        }
        const svc = new Svc();
        const filter = { a: 1, tags: ['x'] };
        // A run of repeats (a miss, then hits) lets the decorator reuse the key it derived.
        for (let i = 0; i < 4; i++) expect(await svc.find(filter)).to.equal('1:x');
        filter.tags.push('y');
        expect(await svc.find(filter)).to.equal('1:x,y');
        expect(await svc.find(filter)).to.equal('1:x,y');
        filter.a = 2;
        expect(await svc.find(filter)).to.equal('2:x,y');
        expect(await svc.find({ a: 1, tags: ['x'] })).to.equal('1:x');
        expect(svc.loads).to.equal(3);
      });

      const distinct: Array<[string, unknown[], unknown[]]> = [
        ['undefined / null', [undefined], [null]],
        ['1 / "1"', [1], ['1']],
        ['null / "null"', [null], ['null']],
        ['a Date / its ISO string', [new Date('2024-01-02T03:04:05.000Z')], ['2024-01-02T03:04:05.000Z']],
        ['Maps by content', [new Map([['a', 1]])], [new Map([['a', 2]])]],
        ['a Map / an object', [new Map([['a', 1]])], [{ a: 1 }]],
        ['Sets by content', [new Set([1, 2])], [new Set([1, 3])]],
        ['NaN / null', [NaN], [null]],
        ['1n / 1', [1n], [1]],
        ['f(1, 2) / f(1, 3)', [1, 2], [1, 3]],
        ["'ab' / 'bA'", ['ab'], ['bA']],
        ['nested arrays of different shape', [[[1], 2]], [[1, [2]]]],
        ['-0 / 0', [-0], [0]],
        ['f() / f(undefined)', [], [undefined]],
        ["['a,b'] / ['a', 'b']", [['a,b']], [['a', 'b']]],
      ];
      for (const [name, left, right] of distinct) {
        it(`never shares an entry between ${name}`, async () => {
          class Svc {
            loads = 0;
            @Cacheable({ namespace: uniqueNamespace() })
            async echo(...args: unknown[]): Promise<number> {
              return ++this.loads;
            }
          }
          const svc = new Svc();
          const a = await svc.echo(...left);
          const b = await svc.echo(...right);
          expect(svc.loads, 'each list ran the method').to.equal(2);
          expect(a).to.not.equal(b);
          expect(await svc.echo(...left)).to.equal(a);
          expect(await svc.echo(...right)).to.equal(b);
          expect(svc.loads, 'each list is then a hit').to.equal(2);
        });
      }

      it('keeps Maps and Sets equal by content whatever their insertion order', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async count(m: Map<string, number>, s: Set<number>): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        await svc.count(new Map([['a', 1], ['b', 2]]), new Set([1, 2]));
        await svc.count(new Map([['b', 2], ['a', 1]]), new Set([2, 1]));
        expect(svc.loads).to.equal(1);
      });

      for (const [what, arg, position] of [
        ['a function', () => 1, 2],
        ['a symbol', Symbol('s'), 2],
        ['a cycle', (() => { const o: Record<string, unknown> = {}; o['self'] = o; return o; })(), 2],
      ] as const) {
        it(`rejects ${what} as an argument with an error naming the method and the position`, async () => {
          const namespace = uniqueNamespace();
          class Svc {
            loads = 0;
            @Cacheable({ namespace })
            async lookup(id: number, extra: unknown): Promise<number> {
              return ++this.loads;
            }
          }
          const error = await rejection(() => new Svc().lookup(1, arg));
          expect(error).to.be.instanceOf(CacheKeyError);
          expect((error as CacheKeyError).code).to.equal('E_CACHE_KEY');
          expect((error as CacheKeyError).argumentIndex).to.equal(position - 1);
          expect((error as Error).message).to.contain('Svc.lookup').and.contain(`argument ${position}`);
        });
      }

      it('accepts any argument when a key function is given', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), key: (id: number) => `id-${id}` })
          async lookup(id: number, callback?: () => void): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        await svc.lookup(1, () => undefined);
        await svc.lookup(1, () => undefined);
        expect(svc.loads).to.equal(1);
      });

      it('replaces long encodings by a wide digest, still distinct', async () => {
        const keys: string[] = [];
        cache.on('miss', ({ key }) => keys.push(key));
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async big(text: string): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        const long = 'x'.repeat(5000);
        await svc.big(long + 'a');
        await svc.big(long + 'b');
        await svc.big(long + 'a');
        expect(svc.loads).to.equal(2);
        expect(keys).to.have.length(2);
        for (const key of keys) expect(key.length).to.be.below(120);
        expect(keys[0]).to.not.equal(keys[1]);
      });

      it('never shares entries between two methods of the same name in different classes', async () => {
        expect(await new Orders().get(1)).to.equal('order 1');
        expect(await new Invoices().get(1)).to.equal('invoice 1');
        expect(await new Orders().get(1)).to.equal('order 1');
      });
    });

    describe('single-flight', () => {
      it('runs the method once for N concurrent calls, and all get its value', async () => {
        const gate = deferred<string>();
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async slow(id: number): Promise<string> {
            this.loads++;
            return gate.promise;
          }
        }
        const svc = new Svc();
        const calls = Array.from({ length: 50 }, () => svc.slow(7));
        await sleep(5);
        gate.resolve('value');
        const results = await Promise.all(calls);
        expect(svc.loads).to.equal(1);
        expect(results).to.deep.equal(Array(50).fill('value'));
        expect(cache.stats().joined).to.equal(49);
      });

      it('gives all N the rejection, stores nothing, and runs again on the next call', async () => {
        const gate = deferred<string>();
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async flaky(id: number): Promise<string> {
            this.loads++;
            return this.loads === 1 ? gate.promise : 'recovered';
          }
        }
        const svc = new Svc();
        const calls = Array.from({ length: 10 }, () => svc.flaky(1).then(() => 'ok', (e: Error) => e.message));
        await sleep(5);
        gate.reject(new Error('db down'));
        expect(await Promise.all(calls)).to.deep.equal(Array(10).fill('db down'));
        expect(await svc.flaky(1)).to.equal('recovered');
        expect(svc.loads).to.equal(2);
        expect(cache.stats().loadErrors).to.equal(1);
      });
    });

    describe('evictions and puts racing a load', () => {
      it('an eviction during a load wins: the load answers its callers but is not stored', async () => {
        const gate = deferred<void>();
        let version = 1;
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async read(id: number): Promise<number> {
            this.loads++;
            const seen = version;
            if (this.loads === 1) await gate.promise;
            return seen;
          }
          @CacheEvict({ method: 'read' })
          async write(id: number): Promise<void> {
            version++;
          }
        }
        const svc = new Svc();
        const inFlight = svc.read(1);
        await until(() => svc.loads === 1); // the load is running (a remote store answers its read first)
        await svc.write(1);
        gate.resolve();
        expect(await inFlight).to.equal(1);
        expect(await svc.read(1)).to.equal(2);
        expect(svc.loads).to.equal(2);
      });

      it('a put during a load wins: the next call sees the put value', async () => {
        const gate = deferred<void>();
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async read(id: number): Promise<string> {
            this.loads++;
            await gate.promise;
            return 'stale';
          }
          @CachePut({ method: 'read', args: (id: number, value: string) => [id] })
          async save(id: number, value: string): Promise<string> {
            return value;
          }
        }
        const svc = new Svc();
        const inFlight = svc.read(1);
        await until(() => svc.loads === 1);
        expect(await svc.save(1, 'fresh')).to.equal('fresh');
        gate.resolve();
        expect(await inFlight).to.equal('stale');
        expect(await svc.read(1)).to.equal('fresh');
        expect(svc.loads).to.equal(1);
      });

      it('a tag invalidation during a load wins too', async () => {
        const gate = deferred<void>();
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), tags: (id: number) => [`item:${id}`] })
          async read(id: number): Promise<number> {
            const n = ++this.loads;
            if (n === 1) await gate.promise;
            return n;
          }
        }
        const svc = new Svc();
        const inFlight = svc.read(1);
        await until(() => svc.loads === 1);
        await cache.invalidateTags(['item:1']);
        gate.resolve();
        expect(await inFlight).to.equal(1);
        expect(await svc.read(1)).to.equal(2);
      });
    });

    describe('@CacheEvict and @CachePut', () => {
      const catalogNamespace = uniqueNamespace('catalog');
      class Catalog {
        loads = 0;
        fail = false;

        @Cacheable({ namespace: catalogNamespace, tags: (id: number) => [`product:${id}`] })
        async product(id: number): Promise<string> {
          this.loads++;
          return `product ${id} v${this.loads}`;
        }

        @CacheEvict({ method: 'product', args: (p: { id: number }) => [p.id] })
        async update(p: { id: number }): Promise<void> {
          if (this.fail) throw new Error('update failed');
        }

        @CacheEvict({ method: 'product', allEntries: true })
        async reindex(): Promise<void> {}

        @CacheEvict({ tags: (id: number) => [`product:${id}`] })
        async touch(id: number): Promise<void> {}

        @CacheEvict({ method: 'product', beforeInvocation: true })
        async removeFirst(id: number): Promise<void> {
          throw new Error('remove failed');
        }

        @CachePut({ method: 'product', args: (id: number, name: string) => [id] })
        async rename(id: number, name: string): Promise<string> {
          return name;
        }
      }

      it('evicts one entry of another method, keyed by the same code as the read', async () => {
        const catalog = new Catalog();
        await catalog.product(1);
        await catalog.product(2);
        await catalog.update({ id: 1 });
        await catalog.product(1);
        await catalog.product(2);
        expect(catalog.loads).to.equal(3);
      });

      it('does not evict when the method fails (by default)', async () => {
        const catalog = new Catalog();
        await catalog.product(1);
        catalog.fail = true;
        await catalog.update({ id: 1 }).catch(() => undefined);
        await catalog.product(1);
        expect(catalog.loads).to.equal(1);
      });

      it('evicts before the method with beforeInvocation, even when it fails', async () => {
        const catalog = new Catalog();
        await catalog.product(1);
        await catalog.removeFirst(1).catch(() => undefined);
        await catalog.product(1);
        expect(catalog.loads).to.equal(2);
      });

      it('drops every entry of the method with allEntries', async () => {
        const catalog = new Catalog();
        await Promise.all([catalog.product(1), catalog.product(2), catalog.product(3)]);
        await catalog.reindex();
        await Promise.all([catalog.product(1), catalog.product(2), catalog.product(3)]);
        expect(catalog.loads).to.equal(6);
      });

      it('invalidates tagged entries', async () => {
        const catalog = new Catalog();
        await catalog.product(1);
        await catalog.product(2);
        await catalog.touch(2);
        await catalog.product(1);
        await catalog.product(2);
        expect(catalog.loads).to.equal(3);
      });

      it('stores the result as the other method\'s entry with @CachePut', async () => {
        const catalog = new Catalog();
        await catalog.product(1);
        expect(await catalog.rename(1, 'renamed')).to.equal('renamed');
        expect(await catalog.product(1)).to.equal('renamed');
        expect(catalog.loads).to.equal(1);
      });
    });

    describe('TTL', () => {
      it('expires entries after their TTL', async () => {
        class Svc {
          loads = 0;
          // Long enough that the second call lands within it on a loaded machine (60 ms did not always).
          @Cacheable({ namespace: uniqueNamespace(), ttl: 500 })
          async read(): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        const started = Date.now();
        await svc.read();
        await svc.read();
        expect(svc.loads, 'a hit within the TTL').to.equal(1);
        await until(async () => (await svc.read()) === 2, { what: 'a call to load again once the TTL passed' });
        expect(Date.now() - started, 'not before the TTL').to.be.at.least(495);
        expect(svc.loads).to.equal(2);
      });

      it('does not store with ttl 0 but still joins concurrent calls', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), ttl: 0 })
          async read(): Promise<number> {
            await sleep(5);
            return ++this.loads;
          }
        }
        const svc = new Svc();
        await Promise.all([svc.read(), svc.read(), svc.read()]);
        expect(svc.loads).to.equal(1);
        await svc.read();
        expect(svc.loads).to.equal(2);
      });

      it('computes the TTL from the result', async () => {
        const skipped: Array<CacheEventMap['store-skipped']> = [];
        cache.on('store-skipped', (event) => skipped.push(event));
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), ttl: (found: string | null) => (found === null ? 0 : '1m') })
          async find(name: string): Promise<string | null> {
            this.loads++;
            return name === 'known' ? 'yes' : null;
          }
        }
        const svc = new Svc();
        await svc.find('known');
        await svc.find('known');
        await svc.find('unknown');
        await svc.find('unknown');
        expect(svc.loads).to.equal(3);
        expect(skipped.map((e) => e.reason)).to.deep.equal(['ttl-zero', 'ttl-zero']);
      });

      it('reports the remaining TTL of a decorated entry', async () => {
        const keys: string[] = [];
        cache.on('miss', ({ key }) => keys.push(key));
        class Svc {
          @Cacheable({ namespace: uniqueNamespace(), ttl: '10s' })
          async read(): Promise<number> {
            return 1;
          }
        }
        await new Svc().read();
        const remaining = await cache.ttl(keys[0] as string);
        expect(remaining).to.be.within(9_000, 10_000);
      });
    });

    describe('values', () => {
      it('caches null and undefined like any value', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace() })
          async none(kind: string): Promise<null | undefined> {
            this.loads++;
            return kind === 'null' ? null : undefined;
          }
        }
        const svc = new Svc();
        expect(await svc.none('null')).to.equal(null);
        expect(await svc.none('null')).to.equal(null);
        expect(await svc.none('undefined')).to.equal(undefined);
        expect(await svc.none('undefined')).to.equal(undefined);
        expect(svc.loads).to.equal(2);
      });

      it('lets unless decline a result, which is returned but not stored', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), unless: (result: string | null) => result === null })
          async find(id: number): Promise<string | null> {
            this.loads++;
            return id === 1 ? 'one' : null;
          }
        }
        const svc = new Svc();
        expect(await svc.find(2)).to.equal(null);
        expect(await svc.find(2)).to.equal(null);
        await svc.find(1);
        await svc.find(1);
        expect(svc.loads).to.equal(3);
      });

      it('skips the cache for calls the condition rejects', async () => {
        class Svc {
          loads = 0;
          @Cacheable({ namespace: uniqueNamespace(), condition: (id: number) => id > 0 })
          async find(id: number): Promise<number> {
            return ++this.loads;
          }
        }
        const svc = new Svc();
        await svc.find(-1);
        await svc.find(-1);
        await svc.find(1);
        await svc.find(1);
        expect(svc.loads).to.equal(3);
      });

      it('does not let a caller that mutates its result change what the next caller gets', async () => {
        class Svc {
          @Cacheable({ namespace: uniqueNamespace() })
          async profile(id: number): Promise<{ name: string; roles: string[]; seen: Map<string, number>; at: Date }> {
            return { name: 'ada', roles: ['admin'], seen: new Map([['home', 1]]), at: new Date(0) };
          }
        }
        const svc = new Svc();
        await svc.profile(1);
        const first = await svc.profile(1);
        const attempt = (mutate: () => void) => {
          try {
            mutate();
          } catch {
            // a frozen value refuses the write; either way the next caller must not see it
          }
        };
        attempt(() => (first.name = 'eve'));
        attempt(() => first.roles.push('root'));
        attempt(() => first.seen.set('home', 99));
        attempt(() => first.at.setTime(123));
        const second = await svc.profile(1);
        expect(second.name).to.equal('ada');
        expect(second.roles).to.deep.equal(['admin']);
        expect(second.seen.get('home')).to.equal(1);
        expect(second.at.getTime()).to.equal(0);
      });
      it('does not let one of several concurrent callers of a warm key change what the others get', async () => {
        class Svc {
          @Cacheable({ namespace: uniqueNamespace() })
          async profile(id: number): Promise<{ name: string; roles: string[] }> {
            return { name: 'ada', roles: ['admin'] };
          }
        }
        const svc = new Svc();
        await svc.profile(1);
        await sleep(20); // the entry is written
        const results = await Promise.all([svc.profile(1), svc.profile(1), svc.profile(1)]);
        try {
          results[0]!.roles.push('root');
        } catch {
          // frozen: refused
        }
        expect(results[1]!.roles).to.deep.equal(['admin']);
        expect(results[2]!.roles).to.deep.equal(['admin']);
      });
    });

    describe('values the application still holds', () => {
      class Entity {
        constructor(
          public id: number,
          public name: string,
          public tags: string[],
        ) {}
      }
      class Service {
        /** The service's own state, handed out by its methods. */
        readonly config = { region: 'eu', limits: { rps: 10 } };
        readonly entities = new Map<number, Entity>();
        @Cacheable({ namespace: uniqueNamespace() })
        async settings(): Promise<{ region: string; limits: { rps: number } }> {
          return this.config;
        }
        @Cacheable({ namespace: uniqueNamespace() })
        async entity(id: number): Promise<Entity> {
          let entity = this.entities.get(id);
          if (entity === undefined) this.entities.set(id, (entity = new Entity(id, 'ada', ['a'])));
          return entity;
        }
        @CachePut({ method: 'entity', args: (entity: Entity) => [entity.id] })
        async save(entity: Entity): Promise<Entity> {
          this.entities.set(entity.id, entity);
          return entity;
        }
      }

      it('hands the caller the object the method returned, unfrozen, and keeps a protected copy for later callers', async () => {
        const svc = new Service();
        expect(await svc.settings()).to.equal(svc.config);
        // The service goes on writing its own state (this module is strict: a frozen object would throw).
        svc.config.limits.rps = 20;
        svc.config.region = 'us';
        const entity = await svc.entity(1);
        expect(entity).to.equal(svc.entities.get(1));
        entity.name = 'eve';
        entity.tags.push('b');
        const saved = new Entity(2, 'bob', ['x']);
        expect(await svc.save(saved)).to.equal(saved);
        saved.tags.push('y');

        const settings = await svc.settings();
        expect(settings).to.deep.equal({ region: 'eu', limits: { rps: 10 } });
        const hit = await svc.entity(1);
        expect({ ...hit }).to.deep.equal({ id: 1, name: 'ada', tags: ['a'] });
        expect({ ...(await svc.entity(2)) }).to.deep.equal({ id: 2, name: 'bob', tags: ['x'] });
        if (cache.store.sharesReferences) {
          // In-process stores hand every later caller the one frozen copy.
          expect(Object.isFrozen(settings) && Object.isFrozen(settings.limits)).to.equal(true);
          expect(hit).to.be.instanceOf(Entity);
          expect(Object.isFrozen(hit) && Object.isFrozen(hit.tags)).to.equal(true);
          expect(await svc.settings()).to.equal(settings);
        }
        expect(Object.isFrozen(svc.config) || Object.isFrozen(svc.config.limits) || Object.isFrozen(entity) || Object.isFrozen(saved)).to.equal(false);
      });

      it("gives callers joined on one load a protected copy, which the first caller's writes never reach", async () => {
        const gate = deferred<void>();
        class Slow {
          readonly state = { roles: ['admin'] };
          @Cacheable({ namespace: uniqueNamespace() })
          async roles(): Promise<{ roles: string[] }> {
            await gate.promise;
            return this.state;
          }
        }
        const svc = new Slow();
        const joined: string[] = [];
        const off = cache.on('joined', ({ key }) => joined.push(key));
        const calls = [svc.roles(), svc.roles(), svc.roles()];
        gate.resolve();
        const [first, second, third] = await Promise.all(calls);
        off();
        expect(first).to.equal(svc.state);
        first!.roles.push('root');
        expect(second).to.deep.equal({ roles: ['admin'] });
        expect(third).to.deep.equal({ roles: ['admin'] });
        expect(() => second!.roles.push('root')).to.throw(TypeError);
        expect(joined).to.have.length(2);
      });
    });

    describe('instances', () => {
      it('shares entries between instances by default', async () => {
        let loads = 0;
        class Svc {
          @Cacheable({ namespace: uniqueNamespace() })
          async read(id: number): Promise<number> {
            return ++loads;
          }
        }
        await new Svc().read(1);
        await new Svc().read(1);
        expect(loads).to.equal(1);
      });

      it('keys per instance with perInstance: true', async () => {
        let loads = 0;
        class Svc {
          @Cacheable({ namespace: uniqueNamespace(), perInstance: true })
          async read(id: number): Promise<number> {
            return ++loads;
          }
        }
        const a = new Svc();
        const b = new Svc();
        await a.read(1);
        await b.read(1);
        await a.read(1);
        expect(loads).to.equal(2);
      });

      it('keys by a given identity with perInstance as a function', async () => {
        let loads = 0;
        class Tenant {
          constructor(readonly tenantId: string) {}
          @Cacheable({ namespace: uniqueNamespace(), perInstance: (t: Tenant) => t.tenantId })
          async read(id: number): Promise<string> {
            loads++;
            return `${this.tenantId}:${id}`;
          }
        }
        expect(await new Tenant('a').read(1)).to.equal('a:1');
        expect(await new Tenant('b').read(1)).to.equal('b:1');
        expect(await new Tenant('a').read(1)).to.equal('a:1');
        expect(loads).to.equal(2);
      });
    });
  });
}
