import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import { CacheKeyError } from '../../lib/core/errors.js';
import { cacheKey, type CacheKeyed } from '../../lib/keys/cache-key.js';
import { encodeArgs } from '../../lib/keys/encode-args.js';
import { LastArgsMemo } from '../../lib/keys/last-args-memo.js';
import * as root from '../../lib/index.js';
import { Point as SharedPoint } from '../fixtures/keys/classes.js';

const LABEL = 'Catalog.find';
const enc = (...args: unknown[]): string => encodeArgs(args, LABEL);

/** The CacheKeyError that encoding `args` throws (anything else fails the test). */
function refused(...args: unknown[]): CacheKeyError {
  try {
    const key = encodeArgs(args, LABEL);
    expect.fail(`expected a CacheKeyError, got the key ${key}`);
  } catch (err) {
    if (!(err instanceof CacheKeyError)) throw err;
    expect(err.code).to.equal('E_CACHE_KEY');
    expect(err.message).to.contain(`Cannot build a cache key for ${LABEL}: `);
    return err;
  }
}

/** Two classes named `Point` with different code, from two "modules". */
const PointA = (() => {
  return class Point {
    #x: number;
    constructor(x: number) {
      this.#x = x;
    }
    [cacheKey](): unknown {
      return this.#x;
    }
  };
})();
const PointB = (() => {
  return class Point {
    constructor(readonly x: number) {}
    [cacheKey](): unknown {
      return this.x;
    }
  };
})();

/** The same source evaluated twice, as a hot module reload or `jest.resetModules` does. */
function loadModule(): new (id: number) => CacheKeyed {
  return class Sku implements CacheKeyed {
    constructor(readonly id: number) {}
    [cacheKey](): unknown {
      return this.id;
    }
  };
}

describe('keys: what the encoder cannot see is refused', () => {
  describe('plain objects with properties the encoder does not see', () => {
    const s = Symbol('s');

    it('refuses { [s]: 1 } (it shared the key of {} before), naming method, position and path', () => {
      expect(enc({})).to.equal('{}');
      const err = refused(1, { a: { [s]: 1 } });
      expect(err.argumentIndex).to.equal(1);
      expect(err.message).to.contain('argument 2 at .a has a symbol-keyed property [Symbol(s)]');
      expect(err.message).to.contain('`key` function');
      expect(refused({ [s]: 1 }).message).to.contain('argument 1 has a symbol-keyed property');
      expect(refused(Object.assign(Object.create(null) as object, { [s]: 1 })).argumentIndex).to.equal(0);
    });

    it('refuses an own non-enumerable property', () => {
      const o = Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false });
      expect(refused([o]).message).to.contain('argument 1 at [0] has a non-enumerable property "hidden"');
    });

    it('refuses them in an object from another realm too', () => {
      const o = vm.runInNewContext('({ a: 1, [Symbol("t")]: 2 })') as object;
      expect(refused(o).message).to.contain('has a symbol-keyed property [Symbol(t)]');
    });

    it('keys a plain object by its own [cacheKey]() (the symbol is not refused then), apart from the result itself', () => {
      const ref = { id: 7, session: Symbol('not part of the key'), [cacheKey]: () => 7 };
      expect(enc(ref)).to.equal('@(7)');
      expect(enc(ref)).to.not.equal(enc(7));
      expect(enc({ [cacheKey]: () => 7, [s]: 1 })).to.equal('@(7)');
      expect(refused({ [cacheKey]: 7 }).message).to.contain('has a [cacheKey] property that is not a method');
    });

    it('never lets the last-arguments memo answer for such an object', () => {
      const memo = new LastArgsMemo();
      const args = [{ a: 1 }];
      const key = enc(...args);
      memo.observe(args, key);
      memo.observe(args, key);
      expect(memo.lookup([{ a: 1 }])).to.equal(key);
      expect(memo.lookup([{ a: 1, [s]: 2 }])).to.equal(undefined);
      expect(memo.lookup([Object.defineProperty({ a: 1 }, 'b', { value: 2 })])).to.equal(undefined);
    });
  });

  describe('class instances', () => {
    class Account {
      #balance: number;
      constructor(balance: number) {
        this.#balance = balance;
      }
      get balance(): number {
        return this.#balance;
      }
    }

    it('refuses an instance whose state is in #private fields (all of them shared one key before)', () => {
      const err = refused('x', new Account(1));
      expect(err.argumentIndex).to.equal(1);
      expect(err.message).to.contain('argument 2 is an instance of class Account: the encoder cannot see #private state');
      expect(err.message).to.contain('give @Cacheable a `key` function, or define a `[cacheKey]()` method on the class'.replace(/^g/, 'G'));
      expect(refused({ owner: new Account(2) }).message).to.contain('argument 1 at .owner is an instance of class Account');
    });

    it('refuses an instance with public fields only, and a subclass of a built-in', () => {
      class Range {
        constructor(
          readonly from: number,
          readonly to: number,
        ) {}
      }
      class Registry extends Map<string, number> {}
      class Tags extends Array<string> {}
      expect(refused(new Range(1, 2)).message).to.contain('is an instance of class Range');
      expect(refused(new Registry()).message).to.contain('is an instance of class Registry (a subclass of Map)');
      expect(refused(Tags.from(['a'])).message).to.contain('is an instance of class Tags (a subclass of Array)');
      expect(refused(new (class extends Date {})(0)).message).to.contain('is an instance of class (anonymous) (a subclass of Date)');
    });

    it('keys an instance by [cacheKey]() (own or inherited), so #private state can take part', () => {
      class Wallet extends Account implements CacheKeyed {
        [cacheKey](): unknown {
          return { balance: this.balance };
        }
      }
      expect(enc(new Wallet(1))).to.equal(enc(new Wallet(1)));
      expect(enc(new Wallet(1))).to.not.equal(enc(new Wallet(2)));
      class SavingsWallet extends Wallet {}
      // Inherited method, but the tag names the instance's own class.
      expect(enc(new SavingsWallet(1))).to.match(/^@SavingsWallet~[\w-]{16}\(\{balance:1\}\)$/);
      expect(enc(new SavingsWallet(1))).to.not.equal(enc(new Wallet(1)));
    });

    it('keeps two different classes with the same name apart', () => {
      expect(new PointA(1).constructor.name).to.equal(new PointB(1).constructor.name);
      expect(enc(new PointA(1))).to.not.equal(enc(new PointB(1)));
      expect(enc(new PointA(1))).to.match(/^@Point~[\w-]{16}\(1\)$/);
      class Anon {}
      const Same = { Anon: class Anon {} }.Anon;
      expect(refused(new Anon()).message).to.contain('class Anon');
      expect(refused(new Same()).message).to.contain('class Anon');
    });

    it('keeps classes with the same source but different superclasses apart', () => {
      const derive = (base: new () => object): new () => object =>
        class Leaf extends base {
          [cacheKey](): unknown {
            return 1;
          }
        };
      // Same own data (none), same [cacheKey]() result, different inherited behaviour.
      const A = derive(class Base { get kind(): string { return 'a'; } });
      const B = derive(class Base { get kind(): string { return 'b'; } });
      expect(enc(new A())).to.not.equal(enc(new B()));
    });

    it('gives a class re-evaluated from the same source the same key (hot reload, resetModules)', () => {
      const First = loadModule();
      const Second = loadModule();
      expect(First).to.not.equal(Second);
      expect(enc(new First(42))).to.equal(enc(new Second(42)));
      expect(enc(new First(42))).to.not.equal(enc(new First(43)));
    });

    it('derives the tag from the name and the source text only: the same in every process, whatever the load order', function () {
      this.timeout(20_000);
      const digest = createHash('sha256')
        .update(Function.prototype.toString.call(SharedPoint) + '\u0000')
        .digest('base64url')
        .slice(0, 16);
      const key = enc(new SharedPoint(3));
      expect(key).to.equal(`@Point~${digest}(3)`);
      // Another process, which encodes another class named Point before loading this one, agrees.
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fixtures/keys/print-keys.ts', import.meta.url))], {
        encoding: 'utf8',
      });
      const child = JSON.parse(out) as { first: string; shared: string };
      expect(child.shared.replace('Fixture.shared', LABEL)).to.equal(key);
      expect(child.first).to.match(/^@Point~[\w-]{16}\(3\)$/);
      expect(child.first).to.not.equal(key);
    });

    it('refuses a [cacheKey]() that returns the object itself, or refers back to it', () => {
      class Selfish {
        [cacheKey](): unknown {
          return this;
        }
      }
      class Looping {
        [cacheKey](): unknown {
          return { me: this };
        }
      }
      expect(refused(new Selfish()).message).to.contain('argument 1 has a [cacheKey]() that returns the object itself');
      expect(refused(new Looping()).message).to.contain('argument 1 at [cacheKey]().me is a cycle: it refers back to argument 1 itself');
    });

    it("names the path inside [cacheKey]()'s result, and lets its own error through", () => {
      class Bad {
        [cacheKey](): unknown {
          return { sort: () => 0 };
        }
      }
      expect(refused(new Bad()).message).to.contain('argument 1 at [cacheKey]().sort is a function');
      const boom = new Error('boom');
      class Throws {
        [cacheKey](): unknown {
          throw boom;
        }
      }
      expect(() => enc(new Throws())).to.throw(Error).that.equals(boom);
    });

    it('keeps the messages of the kinds that never encode (Promise, Error...)', () => {
      expect(refused(Promise.resolve(1)).message).to.contain('argument 1 is a Promise');
      expect(refused(new RangeError('x')).message).to.contain('argument 1 is an Error');
      class NotFound extends Error {}
      expect(refused(new NotFound('x')).message).to.contain('argument 1 is an Error');
    });
  });

  describe('objects with another prototype', () => {
    it('refuses Object.create(protoA) and Object.create(protoB) (they shared one key before)', () => {
      const protoA = { kind: 'a' };
      const protoB = { kind: 'b' };
      const a = Object.assign(Object.create(protoA) as object, { id: 1 });
      const b = Object.assign(Object.create(protoB) as object, { id: 1 });
      expect(refused(a).message).to.contain("argument 1 is an object whose prototype is neither Object.prototype nor a class's prototype");
      expect(refused(b).argumentIndex).to.equal(0);
    });

    it('refuses such an object even when its prototype defines [cacheKey]() (nothing names the prototype)', () => {
      const proto = { [cacheKey]: (): unknown => 1 };
      expect(refused(Object.create(proto)).message).to.contain("its prototype is not a class's prototype");
    });

    it('refuses an instance of a class from another realm unless it defines [cacheKey]()', () => {
      expect(refused(vm.runInNewContext('new (class Point { x = 1 })()')).message).to.contain('is an instance of class Point');
      const keyed = vm.runInNewContext(
        'const k = Symbol.for("cacheflight.cacheKey"); new (class Point { [k]() { return 1; } })()',
      ) as object;
      expect(enc(keyed)).to.match(/^@Point~[\w-]{16}\(1\)$/);
    });
  });

  describe('the public symbol', () => {
    it("is Symbol.for('cacheflight.cacheKey'), exported from the package root", () => {
      expect(cacheKey).to.equal(Symbol.for('cacheflight.cacheKey'));
      expect(root.cacheKey).to.equal(cacheKey);
    });
  });
});
