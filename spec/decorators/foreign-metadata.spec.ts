/**
 * Our decorators replace the method they decorate; other decorators (NestJS guards, routes,
 * pipes...) write reflect-metadata and own properties on that very function. Whatever the order,
 * the method the class ends up with must carry what every decorator wrote.
 */
import { expect } from 'chai';
import { Cacheable, CacheEvict, CachePut } from '../../lib/index.js';
import { decoratorMode } from '../helpers/decorator-mode.js';
import { reflectMetadataLoaded, useReflectMetadata } from '../helpers/reflect-metadata.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { useDefaultCache } from '../helpers/default-cache.js';

interface ReflectApi {
  defineMetadata(key: string, value: unknown, target: object, propertyKey?: string | symbol): void;
  getMetadata(key: string, target: object, propertyKey?: string | symbol): unknown;
  getOwnMetadata(key: string, target: object, propertyKey?: string | symbol): unknown;
}
const reflect = (): ReflectApi => Reflect as unknown as ReflectApi;

const LABELS = 'fake:labels';
const marks = Symbol('fake marks');
type Marked = Function & Record<string | symbol, unknown>;

/**
 * A framework's method decorator, in both modes: it writes on the function itself, as NestJS
 * does (`Reflect.defineMetadata(key, value, descriptor.value)`), extending what is there.
 */
function fake(label: string): (...call: unknown[]) => void {
  const decorator = (...call: unknown[]): unknown => {
    const legacy = call.length === 3;
    const fn = (legacy ? (call[2] as PropertyDescriptor).value : call[0]) as Marked;
    if (reflectMetadataLoaded()) {
      const labels = (reflect().getMetadata(LABELS, fn) as string[] | undefined) ?? [];
      reflect().defineMetadata(LABELS, [...labels, label], fn);
      reflect().defineMetadata(`fake:${label}`, { label }, fn);
      reflect().defineMetadata('fake:on-property', label, fn, `own-${label}`);
    }
    fn[`own-${label}`] = label;
    fn[marks] = [...((fn[marks] as string[] | undefined) ?? []), label];
    Object.defineProperty(fn, `hidden-${label}`, { value: label, enumerable: false, writable: false, configurable: true });
    return legacy ? call[2] : undefined;
  };
  return decorator as (...call: unknown[]) => void;
}

/** What `fake(...labels)` wrote, checked on the method the class holds. */
function expectCarried(method: unknown, labels: string[], withMetadata: boolean): void {
  const fn = method as Marked;
  expect(fn[marks], 'symbol-keyed own property').to.deep.equal(labels);
  for (const label of labels) {
    expect(fn[`own-${label}`], `own property of @fake('${label}')`).to.equal(label);
    const hidden = Object.getOwnPropertyDescriptor(fn, `hidden-${label}`);
    expect(hidden, `non-enumerable own property of @fake('${label}')`).to.deep.equal({ value: label, enumerable: false, writable: false, configurable: true });
    if (withMetadata) {
      expect(reflect().getOwnMetadata(`fake:${label}`, fn), `metadata of @fake('${label}')`).to.deep.equal({ label });
      expect(reflect().getOwnMetadata('fake:on-property', fn, `own-${label}`)).to.equal(label);
    }
  }
  if (withMetadata) expect(reflect().getOwnMetadata(LABELS, fn), 'array metadata extended by each decorator').to.deep.equal(labels);
}

function suite(withMetadata: boolean): void {
  const currentCache = useDefaultCache();

  it('@Cacheable keeps them above, below and around it', async () => {
    let loads = 0;
    class Svc {
      @fake('a')
      @Cacheable({ namespace: uniqueNamespace() })
      async above(id: number, q: string): Promise<string> {
        loads++;
        return `${id}${q}`;
      }

      @Cacheable({ namespace: uniqueNamespace() })
      @fake('b')
      async below(id: number, q: string): Promise<string> {
        loads++;
        return `${id}${q}`;
      }

      @fake('a')
      @Cacheable({ namespace: uniqueNamespace() })
      @fake('b')
      async around(id: number, q: string): Promise<string> {
        loads++;
        return `${id}${q}`;
      }

      @Cacheable({ namespace: uniqueNamespace() })
      @fake('b')
      static async atStatic(id: number): Promise<number> {
        return id;
      }
    }
    expectCarried(Svc.prototype.above, ['a'], withMetadata);
    expectCarried(Svc.prototype.below, ['b'], withMetadata);
    expectCarried(Svc.prototype.around, ['b', 'a'], withMetadata);
    expectCarried(Svc.atStatic, ['b'], withMetadata);
    const svc = new Svc();
    for (const name of ['above', 'below', 'around'] as const) {
      expect(svc[name].name).to.equal(name);
      expect(svc[name].length).to.equal(2);
      expect(await svc[name](1, 'x')).to.equal('1x');
      expect(await svc[name](1, 'x')).to.equal('1x');
    }
    expect(loads, 'each method loads once: still cached').to.equal(3);
    expect(Svc.atStatic.length).to.equal(1);
  });

  it('@CacheEvict keeps them above, below and around it', async () => {
    let loads = 0;
    class Svc {
      @Cacheable({ namespace: uniqueNamespace() })
      async read(id: number, q: string): Promise<number> {
        return ++loads + id + q.length;
      }

      @fake('a')
      @CacheEvict({ method: 'read' })
      async above(id: number, q: string): Promise<string> {
        return `${id}${q}`;
      }

      @CacheEvict({ method: 'read' })
      @fake('b')
      async below(id: number, q: string): Promise<string> {
        return `${id}${q}`;
      }

      @fake('a')
      @CacheEvict({ method: 'read' })
      @fake('b')
      async around(id: number, q: string): Promise<string> {
        return `${id}${q}`;
      }
    }
    expectCarried(Svc.prototype.above, ['a'], withMetadata);
    expectCarried(Svc.prototype.below, ['b'], withMetadata);
    expectCarried(Svc.prototype.around, ['b', 'a'], withMetadata);
    const svc = new Svc();
    for (const name of ['above', 'below', 'around'] as const) {
      expect(svc[name].name).to.equal(name);
      expect(svc[name].length).to.equal(2);
      await svc.read(1, 'x');
      const before = loads;
      expect(await svc[name](1, 'x')).to.equal('1x');
      await svc.read(1, 'x');
      expect(loads - before, `${name} evicted the entry`).to.equal(1);
    }
  });

  it('@CachePut keeps them above, below and around it', async () => {
    class Svc {
      @Cacheable({ namespace: uniqueNamespace() })
      async read(id: number, q: string): Promise<string> {
        return `loaded ${id}${q}`;
      }

      @fake('a')
      @CachePut({ method: 'read' })
      async above(id: number, q: string): Promise<string> {
        return `put above ${id}${q}`;
      }

      @CachePut({ method: 'read' })
      @fake('b')
      async below(id: number, q: string): Promise<string> {
        return `put below ${id}${q}`;
      }

      @fake('a')
      @CachePut({ method: 'read' })
      @fake('b')
      async around(id: number, q: string): Promise<string> {
        return `put around ${id}${q}`;
      }
    }
    expectCarried(Svc.prototype.above, ['a'], withMetadata);
    expectCarried(Svc.prototype.below, ['b'], withMetadata);
    expectCarried(Svc.prototype.around, ['b', 'a'], withMetadata);
    const svc = new Svc();
    for (const name of ['above', 'below', 'around'] as const) {
      expect(svc[name].name).to.equal(name);
      expect(svc[name].length).to.equal(2);
      await svc[name](1, 'x');
      expect(await svc.read(1, 'x'), `${name} stored its result`).to.equal(`put ${name} 1x`);
    }
  });

  it('puts what decorators above write on the method the class holds, not on the original', () => {
    let original: Function | undefined;
    const capture = (...call: unknown[]): void => {
      original = (call.length === 3 ? (call[2] as PropertyDescriptor).value : call[0]) as Function;
    };
    class Svc {
      @fake('a')
      @Cacheable({ namespace: uniqueNamespace() })
      @(capture as (...call: unknown[]) => void)
      async m(): Promise<number> {
        return 1;
      }
    }
    expect(Svc.prototype.m).to.not.equal(original);
    // What decorators above write lands on the method the class holds, not on the original.
    expect((original as Marked)['own-a']).to.equal(undefined);
  });
}

describe(`other decorators' metadata and own properties (${decoratorMode} decorators)`, () => {
  describe('with reflect-metadata loaded', () => {
    useReflectMetadata();
    suite(true);
  });

  describe('without reflect-metadata', () => {
    it('runs without it', () => {
      expect(reflectMetadataLoaded()).to.equal(false);
    });
    suite(false);
  });
});
