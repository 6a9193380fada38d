/**
 * What happens when classes are defined: both decorator modes, `this`, misuse errors,
 * namespaces and their conflicts, option validation, and the unregistered-cache error.
 */
import { expect } from 'chai';
import {
  Cacheable,
  CacheEvict,
  CachePut,
  createCache,
  DecoratorTargetError,
  InvalidOptionError,
  InvalidTtlError,
  NamespaceConflictError,
  NoCacheRegisteredError,
  registerCache,
  unregisterCache,
  UnknownMethodError,
} from '../../lib/index.js';
import { decoratorMode } from '../helpers/decorator-mode.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { rejection, thrown } from '../helpers/thrown.js';
import { useDefaultCache } from '../helpers/default-cache.js';

/** A decorator with its type loosened, to apply it where TypeScript (rightly) refuses it. */
type LooseDecorator = (...args: unknown[]) => void;
const loose = (decorator: unknown): LooseDecorator => decorator as LooseDecorator;

describe(`decoration (${decoratorMode} decorators)`, () => {
  const currentCache = useDefaultCache();

  describe('this', () => {
    it('gives an instance method its own instance', async () => {
      class Counter {
        constructor(readonly base: number) {}
        @Cacheable({ namespace: uniqueNamespace(), perInstance: true })
        async plus(n: number): Promise<number> {
          return this.base + n;
        }
      }
      expect(await new Counter(10).plus(1)).to.equal(11);
      expect(await new Counter(20).plus(1)).to.equal(21);
    });

    it('gives a static method its class', async () => {
      class Config {
        static loads = 0;
        static value = 'from the class';
        @Cacheable({ namespace: uniqueNamespace() })
        static async read(): Promise<string> {
          Config.loads++;
          return this.value;
        }
      }
      expect(await Config.read()).to.equal('from the class');
      expect(await Config.read()).to.equal('from the class');
      expect(Config.loads).to.equal(1);
    });

    it('keeps the method name', () => {
      class Svc {
        @Cacheable({ namespace: uniqueNamespace() })
        async findUser(): Promise<number> {
          return 1;
        }
      }
      expect(new Svc().findUser.name).to.equal('findUser');
    });

    it('works for an inherited method called on a subclass', async () => {
      let loads = 0;
      class Base {
        @Cacheable({ namespace: uniqueNamespace() })
        async read(id: number): Promise<string> {
          loads++;
          return `${this.constructor.name}:${id}`;
        }
      }
      class Derived extends Base {}
      expect(await new Derived().read(1)).to.equal('Derived:1');
      expect(await new Base().read(1)).to.equal('Derived:1');
      expect(loads).to.equal(1);
    });
  });

  describe('misuse is an error when the class is defined', () => {
    const cases: Array<[string, () => unknown]> = [
      [
        'a getter',
        () => {
          class WithGetter {
            @loose(Cacheable())
            get value(): number {
              return 1;
            }
          }
          return WithGetter;
        },
      ],
      [
        'a setter',
        () => {
          class WithSetter {
            @loose(Cacheable())
            set value(v: number) {}
          }
          return WithSetter;
        },
      ],
      [
        'a field',
        () => {
          class WithField {
            @loose(Cacheable())
            value = 1;
          }
          return WithField;
        },
      ],
      [
        'a class',
        () => {
          @loose(Cacheable())
          class Whole {}
          return Whole;
        },
      ],
    ];
    for (const [what, define] of cases) {
      it(`rejects ${what} with DecoratorTargetError`, () => {
        const error = thrown(define);
        expect(error).to.be.instanceOf(DecoratorTargetError);
        expect((error as DecoratorTargetError).code).to.equal('E_DECORATOR_TARGET');
        expect((error as Error).message).to.match(/decorates methods only|not a class method/);
      });
    }

    it('rejects invalid TTLs with InvalidTtlError', () => {
      for (const ttl of [-1, NaN, 'soon', '5 minutes', '-5m']) {
        const error = thrown(() => Cacheable({ ttl: ttl as never }));
        expect(error, String(ttl)).to.be.instanceOf(InvalidTtlError);
        expect((error as InvalidTtlError).code).to.equal('E_INVALID_TTL');
      }
    });

    it('accepts fractional, zero, infinite and string TTLs', () => {
      for (const ttl of [0.5, 0, Infinity, '30s', '5m', '1h', '1.5s', '250ms']) {
        expect(() => Cacheable({ ttl: ttl as never }), String(ttl)).to.not.throw();
      }
    });

    it('rejects unknown options, bad namespaces and wrong types with InvalidOptionError', () => {
      const bad: Array<() => unknown> = [
        () => Cacheable({ ttll: '5m' } as never),
        () => Cacheable({ namespace: 'a:b' }),
        () => Cacheable({ namespace: '' }),
        () => Cacheable({ key: 'id' as never }),
        () => Cacheable({ tags: [1] as never }),
        () => Cacheable({ cache: '' }),
        () => CacheEvict({}),
        () => CacheEvict({ method: 'm', allEntries: true, args: () => [] }),
        () => CacheEvict({ namespace: 'x' }),
        () => CacheEvict({ method: 'm', namespace: 'x' }),
        () => CachePut({}),
        () => CachePut({ namespace: 'x' }),
      ];
      for (const make of bad) {
        const error = thrown(make);
        expect(error, make.toString()).to.be.instanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
      }
    });
  });

  describe('namespaces', () => {
    it('defaults to ClassName.methodName', async () => {
      const keys: string[] = [];
      currentCache().on('miss', ({ key }) => keys.push(key));
      class InventoryService {
        @Cacheable()
        async stock(sku: string): Promise<number> {
          return 3;
        }
        @Cacheable()
        static async total(): Promise<number> {
          return 9;
        }
      }
      await new InventoryService().stock('a');
      await InventoryService.total();
      expect(keys[0]).to.match(/^InventoryService\.stock:/);
      expect(keys[1]).to.match(/^InventoryService\.static\.total:/);
    });

    it('detects two different classes that would claim the same namespace', async () => {
      const define = () => {
        class DuplicateService {
          @Cacheable()
          async read(id: number): Promise<number> {
            return id;
          }
        }
        return DuplicateService;
      };
      const First = define();
      await new First().read(1);
      const error = thrown(() => {
        const Second = define();
        void new Second().read(1); // standard decorators learn the class at construction
      });
      expect(error).to.be.instanceOf(NamespaceConflictError);
      expect((error as Error).message).to.contain("'DuplicateService.read'").and.contain('namespace');
    });

    it('detects two methods given the same explicit namespace', () => {
      const namespace = uniqueNamespace();
      const error = thrown(() => {
        class Twice {
          @Cacheable({ namespace })
          async a(): Promise<number> {
            return 1;
          }
          @Cacheable({ namespace })
          async b(): Promise<number> {
            return 2;
          }
        }
        new Twice();
      });
      expect(error).to.be.instanceOf(NamespaceConflictError);
    });
  });

  describe('references to other methods', () => {
    // `method` typed as a plain string: the type check (a misspelt literal is a type error,
    // see spec/types/consumer.ts) is skipped, so that the run-time checks are what is tested.
    const raed: string = 'raed';

    it('rejects a @CacheEvict or @CachePut naming a missing method before any call runs the method', async () => {
      for (const [decorator, make] of [
        ['CacheEvict', () => CacheEvict({ method: raed })],
        ['CachePut', () => CachePut({ method: raed })],
      ] as const) {
        let runs = 0;
        let error: unknown;
        try {
          class Broken {
            @Cacheable({ namespace: uniqueNamespace() })
            async read(id: number): Promise<number> {
              return id;
            }
            @make()
            async write(id: number): Promise<number> {
              runs++;
              return id;
            }
          }
          // Legacy decorators see the class's methods when it is defined; standard ones when
          // the first instance is built. Either way, never after the method body ran.
          const instance = new Broken();
          await instance.write(1);
        } catch (e) {
          error = e;
        }
        expect(error, decorator).to.be.instanceOf(UnknownMethodError);
        expect((error as Error).message).to.contain("'raed'").and.contain(`@${decorator} on`).and.contain('no such method');
        expect(runs, decorator).to.equal(0);
      }
    });

    it('rejects a missing method when the class is defined (legacy decorators) or built (standard)', () => {
      const error = thrown(() => {
        class Broken {
          @CacheEvict({ method: raed })
          async write(id: number): Promise<void> {}
        }
        if (decoratorMode === 'standard') new Broken();
      });
      expect(error).to.be.instanceOf(UnknownMethodError);
    });

    it('rejects a static method naming an instance method when the class is defined', () => {
      const read: string = 'read';
      const error = thrown(() => {
        class Broken {
          @Cacheable({ namespace: uniqueNamespace() })
          async read(id: number): Promise<number> {
            return id;
          }
          @CacheEvict({ method: read })
          static async write(id: number): Promise<void> {}
        }
        return Broken;
      });
      expect(error).to.be.instanceOf(UnknownMethodError);
      expect((error as Error).message).to.contain('static methods are named from static methods only');
    });

    for (const beforeInvocation of [false, true]) {
      it(`rejects a @CacheEvict${beforeInvocation ? ' with beforeInvocation' : ''} naming a method that is not @Cacheable before the method runs`, async () => {
        let runs = 0;
        class Broken {
          async read(id: number): Promise<number> {
            return id;
          }
          @CacheEvict({ method: 'read', beforeInvocation })
          async write(id: number): Promise<void> {
            runs++;
          }
        }
        const error = await rejection(() => new Broken().write(1));
        expect(error).to.be.instanceOf(UnknownMethodError);
        expect((error as Error).message).to.contain('not decorated with @Cacheable');
        expect(runs).to.equal(0);
      });
    }

    it('rejects a @CachePut naming a method that is not @Cacheable before the method runs', async () => {
      let runs = 0;
      class Broken {
        async read(id: number): Promise<number> {
          return id;
        }
        @CachePut({ method: 'read' })
        async write(id: number): Promise<number> {
          runs++;
          return id;
        }
      }
      const error = await rejection(() => new Broken().write(1));
      expect(error).to.be.instanceOf(UnknownMethodError);
      expect((error as Error).message).to.contain('not decorated with @Cacheable');
      expect(runs).to.equal(0);
    });

    it('accepts a writer declared before the @Cacheable method it names', async () => {
      let loads = 0;
      class Svc {
        @CacheEvict({ method: 'read' })
        async write(id: number): Promise<void> {}
        @Cacheable({ namespace: uniqueNamespace() })
        async read(id: number): Promise<number> {
          return ++loads;
        }
      }
      const svc = new Svc();
      expect(await svc.read(1)).to.equal(1);
      await svc.write(1);
      expect(await svc.read(1)).to.equal(2);
    });
  });

  describe('registration', () => {
    it('fails a call made before any cache is registered, naming registerCache', async () => {
      unregisterCache();
      class Early {
        @Cacheable({ namespace: uniqueNamespace() })
        async read(): Promise<number> {
          return 1;
        }
      }
      const error = await rejection(() => new Early().read());
      expect(error).to.be.instanceOf(NoCacheRegisteredError);
      expect((error as NoCacheRegisteredError).code).to.equal('E_NO_CACHE_REGISTERED');
      expect((error as Error).message).to.contain('registerCache');
    });

    it('uses a named cache when the decorator selects one', async () => {
      const reports = createCache();
      registerCache(reports, 'reports');
      try {
        class Reports {
          @Cacheable({ namespace: uniqueNamespace(), cache: 'reports' })
          async build(): Promise<string> {
            return 'report';
          }
        }
        await new Reports().build();
        await new Reports().build();
        expect(reports.stats().hits).to.equal(1);
        expect(currentCache().stats().hits + currentCache().stats().misses).to.equal(0);
      } finally {
        unregisterCache('reports');
        await reports.close();
      }
    });

    it('names the missing cache when a named one is not registered', async () => {
      class Reports {
        @Cacheable({ namespace: uniqueNamespace(), cache: 'nowhere' })
        async build(): Promise<string> {
          return 'report';
        }
      }
      const error = await rejection(() => new Reports().build());
      expect(error).to.be.instanceOf(NoCacheRegisteredError);
      expect((error as Error).message).to.contain("'nowhere'");
    });
  });
});
