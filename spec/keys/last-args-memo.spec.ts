import { expect } from 'chai';
import { CacheKeyError } from '../../lib/core/errors.js';
import { encodeArgs } from '../../lib/keys/encode-args.js';
import { LastArgsMemo } from '../../lib/keys/last-args-memo.js';
import { cacheKey } from '../../lib/keys/cache-key.js';
import { cloneShuffled, gen, mulberry32 } from '../helpers/random-values.js';

const key = (args: readonly unknown[]): string => 'Svc.m:' + encodeArgs(args, 'Svc.m', Infinity);

/** A memo that has seen `args` twice in a row, so it holds their snapshot. */
function primed(args: readonly unknown[]): LastArgsMemo {
  const memo = new LastArgsMemo();
  memo.observe(args, key(args));
  memo.observe(args, key(args));
  return memo;
}

describe('LastArgsMemo', () => {
  it('answers the remembered key for a repeat by value, whatever the object key order', () => {
    const memo = primed([42, 'abc', { a: 1, b: [1, 2] }]);
    expect(memo.lookup([42, 'abc', { b: [1, 2], a: 1 }])).to.equal(key([42, 'abc', { a: 1, b: [1, 2] }]));
  });

  it('copies the arguments only once a key repeats', () => {
    const memo = new LastArgsMemo();
    memo.observe([1], key([1]));
    expect(memo.lookup([1]), 'seen once: nothing copied yet').to.equal(undefined);
    memo.observe([1], key([1]));
    expect(memo.lookup([1])).to.equal(key([1]));
    memo.observe([2], key([2]));
    expect(memo.lookup([1]), 'another key forgets the copy').to.equal(undefined);
  });

  it('answers the very string it remembered (flat, hash already computed)', () => {
    const memo = new LastArgsMemo();
    const first = key([7]);
    memo.observe([7], first);
    memo.observe([7], key([7]));
    expect(memo.lookup([7])).to.equal(first);
  });

  it('is not fooled by a caller mutating the arguments it passed', () => {
    const filter = { page: 1, tags: ['a'] };
    const memo = primed([filter]);
    filter.page = 2;
    filter.tags.push('b');
    expect(memo.lookup([filter])).to.equal(undefined);
    expect(memo.lookup([{ page: 1, tags: ['a'] }])).to.equal(key([{ page: 1, tags: ['a'] }]));
  });

  const distinct: Array<[string, unknown[], unknown[]]> = [
    ['-0 / 0', [-0], [0]],
    ['NaN / null', [NaN], [null]],
    ['1 / "1"', [1], ['1']],
    ['1n / 1', [1n], [1]],
    ['undefined / null', [undefined], [null]],
    ['{a: undefined} / {}', [{ a: undefined }], [{}]],
    ['[undefined] / a hole', [[undefined]], [new Array(1)]],
    ['f() / f(undefined)', [], [undefined]],
    ['[[1], 2] / [1, [2]]', [[[1], 2]], [[1, [2]]]],
    ['{a: 1} / {a: 1, b: 2}', [{ a: 1 }], [{ a: 1, b: 2 }]],
    ['{a: 1} / [1]', [{ a: 1 }], [[1]]],
    ['{x: 1} / new Point-like class', [{ x: 1 }], [new (class P { x = 1; [cacheKey](): unknown { return { x: this.x }; } })()]],
    ['a Date / its ISO string', [new Date(0)], [new Date(0).toISOString()]],
  ];
  for (const [name, remembered, other] of distinct) {
    it(`never confuses ${name}`, () => {
      expect(primed(remembered).lookup(other)).to.equal(undefined);
    });
  }

  it('does not remember what it cannot compare exactly (Dates, Maps, instances, deep or large data)', () => {
    for (const args of [[new Date(0)], [new Map([[1, 2]])], [new (class Q { [cacheKey](): unknown { return 1; } })()], [{ [cacheKey]: () => 1 }], [{ a: { b: { c: { d: { e: 1 } } } } }], [Array.from({ length: 40 }, () => [1])]]) {
      expect(primed(args).lookup(args), String(args)).to.equal(undefined);
    }
  });

  it('agrees with the key encoder on thousands of random argument lists', () => {
    const rng = mulberry32(20261123);
    let hits = 0;
    for (let i = 0; i < 4000; i++) {
      const args = [gen(rng, 0, false), gen(rng, 0, false)];
      const mutate = rng() < 0.5 ? 0 : 0.3;
      const other = args.map((arg) => cloneShuffled(rng, arg, mutate, 0, false));
      const memo = primed(args);
      const answer = memo.lookup(other);
      if (answer !== undefined) {
        hits++;
        expect(key(other), `memo said equal: ${key(args)} vs ${key(other)}`).to.equal(answer);
      }
    }
    expect(hits, 'the memo answered often enough for the check to mean something').to.be.above(500);
  });

  describe('encode: the arguments that repeat at their position', () => {
    const plain = (args: readonly unknown[]): string => encodeArgs(args, 'Svc.m');

    it('answers what encodeArgs answers over many ids with the same other arguments', () => {
      const memo = new LastArgsMemo();
      for (let id = 0; id < 50; id++) {
        const args = [100_000 + id, 'abc', { a: 1, b: [1, 2] }];
        expect(memo.encode(args, 'Svc.m')).to.equal(plain(args));
      }
    });

    it('encodes again an argument mutated between calls, or replaced by another kind', () => {
      const memo = new LastArgsMemo();
      const filter = { page: 1, tags: ['a'] };
      for (let i = 0; i < 3; i++) memo.encode([1, filter], 'Svc.m');
      filter.tags.push('b');
      expect(memo.encode([2, filter], 'Svc.m')).to.equal(plain([2, filter]));
      filter.page = 2;
      expect(memo.encode([3, filter], 'Svc.m')).to.equal(plain([3, filter]));
      for (const other of ['{page:2,tags:["a","b"]}', null, [filter], { ...filter, extra: undefined }, new Date(0), 7]) {
        expect(memo.encode([4, other], 'Svc.m')).to.equal(plain([4, other]));
        expect(memo.encode([4, filter], 'Svc.m')).to.equal(plain([4, filter]));
      }
    });

    it('keeps every position apart, strings included', () => {
      const memo = new LastArgsMemo();
      const lists: unknown[][] = [['a', 'b'], ['b', 'a'], ['a', 'a'], ['a'], ['a', 'b', 'a'], [], ['', ''], ['a|b'], ['a', '|b']];
      for (let round = 0; round < 3; round++) for (const args of lists) expect(memo.encode(args, 'Svc.m'), JSON.stringify(args)).to.equal(plain(args));
    });

    it('digests a long key exactly as encodeArgs does', () => {
      const memo = new LastArgsMemo();
      const big = { text: 'x'.repeat(300) };
      for (let id = 0; id < 4; id++) {
        const key = memo.encode([id, big], 'Svc.m');
        expect(key).to.equal(plain([id, big]));
        expect(key.startsWith('#')).to.equal(true);
      }
    });

    it('refuses what encodeArgs refuses, naming the same argument', () => {
      const memo = new LastArgsMemo();
      memo.encode([1, { a: 1 }], 'Svc.m');
      memo.encode([1, { a: 1 }], 'Svc.m');
      const bad = { a: 1, [Symbol('s')]: 2 };
      let error: unknown;
      try {
        memo.encode([1, bad], 'Svc.m');
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(CacheKeyError);
      expect((error as CacheKeyError).message).to.equal(thrownMessage(() => plain([1, bad])));
    });

    it('stays exact when a getter re-enters the memo during the comparison', () => {
      const memo = new LastArgsMemo();
      for (let i = 0; i < 3; i++) memo.encode([1, { a: 1 }], 'Svc.m');
      const reentrant = {
        get a(): number {
          memo.encode([9, { a: 2 }], 'Svc.m');
          memo.encode([9, { a: 2 }], 'Svc.m');
          return 1;
        },
      };
      expect(memo.encode([1, reentrant], 'Svc.m')).to.equal(plain([1, { a: 1 }]));
      expect(memo.encode([1, { a: 2 }], 'Svc.m')).to.equal(plain([1, { a: 2 }]));
    });

    it('agrees with encodeArgs on thousands of random sequences of argument lists', () => {
      const rng = mulberry32(20261203);
      const memo = new LastArgsMemo();
      let previous = [gen(rng, 0, false), gen(rng, 0, false), gen(rng, 0, false)];
      for (let i = 0; i < 6000; i++) {
        // Each position: the previous argument, a shuffled copy (maybe mutated), or a new one.
        const args = previous.map((arg) => {
          const r = rng();
          return r < 0.3 ? arg : r < 0.8 ? cloneShuffled(rng, arg, r < 0.6 ? 0 : 0.3, 0, false) : gen(rng, 0, false);
        });
        let expected: string | Error;
        try {
          expected = plain(args);
        } catch (err) {
          expected = err as Error;
        }
        if (typeof expected === 'string') expect(memo.encode(args, 'Svc.m')).to.equal(expected);
        else expect(() => memo.encode(args, 'Svc.m')).to.throw(CacheKeyError, expected.message);
        previous = args;
      }
    });
  });
});

function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '(nothing thrown)';
}
