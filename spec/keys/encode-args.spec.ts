import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { createHash } from 'node:crypto';
import * as vm from 'node:vm';
import { CacheflightError, CacheKeyError } from '../../lib/core/errors.js';
import { DEFAULT_MAX_KEY_LENGTH, encodeArgs } from '../../lib/keys/encode-args.js';
import { DIGEST_KEY_LENGTH, DIGEST_MARKER } from '../../lib/keys/digest.js';
import { encodeValue, FAST_DEPTH, MAX_KEY_DEPTH } from '../../lib/keys/encode-value.js';
import { cacheKey } from '../../lib/keys/cache-key.js';
import { cloneShuffled, gen, mulberry32 } from '../helpers/random-values.js';

const LABEL = 'ProductService.getProduct';
const enc = (...args: unknown[]): string => encodeArgs(args, LABEL);
const full = (...args: unknown[]): string => encodeArgs(args, LABEL, Infinity);

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}

  [cacheKey](): unknown {
    return [this.x, this.y];
  }
}
class Other {
  constructor(
    public x: number,
    public y: number,
  ) {}

  [cacheKey](): unknown {
    return [this.x, this.y];
  }
}
class KeyedMap<K, V> extends Map<K, V> {
  [cacheKey](): unknown {
    return new Map(this);
  }
}
/** The tag the encoder must give a class without a superclass: name and SHA-256 of its source. */
function tagOf(ctor: Function): string {
  const digest = createHash('sha256').update(Function.prototype.toString.call(ctor) + '\u0000').digest('base64url');
  return `@${ctor.name}~${digest.slice(0, 16)}`;
}

function nullProto(props: Record<string, unknown>): object {
  return Object.assign(Object.create(null) as object, props);
}

function sparse(length: number, present: Record<number, unknown>): unknown[] {
  const a: unknown[] = new Array<unknown>(length);
  for (const [i, v] of Object.entries(present)) a[Number(i)] = v;
  return a;
}

function thrown(fn: () => unknown): CacheKeyError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CacheKeyError);
    return err as CacheKeyError;
  }
  expect.fail('expected a CacheKeyError');
}

describe('keys: encodeArgs', () => {
  describe('readable encodings', () => {
    const readable: Array<[string, unknown[], string]> = [
      ['the reference example', [42, 'abc', { a: 1, b: [1, 2] }], '42|"abc"|{a:1,b:[1,2]}'],
      ['no arguments', [], ''],
      ['one number', [42], '42'],
      ['special numbers', [-0, NaN, Infinity, -Infinity, 1.5e300], '-0|NaN|Infinity|-Infinity|1.5e+300'],
      ['bigint', [1n, -5n], '1n|-5n'],
      ['null/undefined/booleans', [null, undefined, true, false], 'null|undefined|true|false'],
      ['keys sorted, odd keys quoted', [{ 'b c': 1, a: 2, '': 3 }], '{"":3,a:2,"b c":1}'],
      ['a hole', [sparse(2, { 1: 1 })], '[~,1]'],
      ['a Date', [new Date(0)], 'Date(1970-01-01T00:00:00.000Z)'],
      ['an invalid Date', [new Date(NaN)], 'Date(NaN)'],
      ['a Map, sorted', [new Map<unknown, unknown>([['b', 1], ['a', 2]])], 'Map{"a"=>2,"b"=>1}'],
      ['a Set, sorted', [new Set([3, 1, 2])], 'Set{1,2,3}'],
      ['a class instance keyed by [cacheKey]()', [new Point(1, 2)], `${tagOf(Point)}([1,2])`],
      ['a plain object keyed by its own [cacheKey]()', [{ a: 1, [cacheKey]: () => 'id' }], '@("id")'],
      ['a Buffer', [Buffer.from('hi')], 'Buffer(6869)'],
      ['a RegExp', [/a\/b/gi], 'RegExp("a\\\\/b","gi")'],
      ['boxed primitives', [Object('x'), Object(1), Object(true), Object(2n)], 'String("x")|Number(1)|Boolean(true)|BigInt(2n)'],
      ['a URL', [new URL('https://example.com/a?b=1')], 'URL("https://example.com/a?b=1")'],
      ['a string with delimiters', ['a"b\\c:d|e'], '"a\\"b\\\\c:d|e"'],
    ];
    for (const [what, args, expected] of readable) {
      it(`encodes ${what} as ${JSON.stringify(expected)}`, () => {
        expect(encodeArgs(args, LABEL)).to.equal(expected);
      });
    }
  });

  describe('different argument lists never share a key', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const differ: Array<[string, unknown[], unknown[]]> = [
      ['undefined vs null', [undefined], [null]],
      ['[undefined] vs [null] (nested)', [[undefined]], [[null]]],
      ['f() vs f(undefined) (trailing undefined counts)', [], [undefined]],
      ['f(1) vs f(1, undefined)', [1], [1, undefined]],
      ["f() vs f('')", [], ['']],
      ["1 vs '1'", [1], ['1']],
      ["null vs 'null'", [null], ['null']],
      ["undefined vs 'undefined'", [undefined], ['undefined']],
      ["true vs 'true'", [true], ['true']],
      ['a Date vs its ISO string', [date], [date.toISOString()]],
      ['a Date vs its time value', [date], [date.getTime()]],
      ['a Date vs a string that looks like its encoding', [date], [`Date(${date.toISOString()})`]],
      ['two different Dates', [new Date(1)], [new Date(2)]],
      ['an invalid Date vs a valid one', [new Date(NaN)], [new Date(0)]],
      ['an invalid Date vs NaN', [new Date(NaN)], [NaN]],
      ["an invalid Date vs 'Invalid Date'", [new Date(NaN)], ['Invalid Date']],
      ['Map{a:1} vs Map{a:2}', [new Map([['a', 1]])], [new Map([['a', 2]])]],
      ['Map{a:1} vs {a:1}', [new Map([['a', 1]])], [{ a: 1 }]],
      ['Map{a:1} vs Set{a}', [new Map([['a', 1]])], [new Set(['a'])]],
      ['Map{a:1} vs Set{[a,1]}', [new Map([['a', 1]])], [new Set([['a', 1]])]],
      ['Map{a:1} vs [[a,1]]', [new Map([['a', 1]])], [[['a', 1]]]],
      ['Map{1:x} vs Map{"1":x}', [new Map([[1, 'x']])], [new Map([['1', 'x']])]],
      ['Map{} vs Set{} vs {} vs []', [new Map(), new Set(), {}, []], [[], {}, new Set(), new Map()]],
      ['empty Map vs empty Set', [new Map()], [new Set()]],
      ['Set{1} vs Set{"1"}', [new Set([1])], [new Set(['1'])]],
      ['Set{1,2} vs Set{1}', [new Set([1, 2])], [new Set([1])]],
      ['NaN vs null', [NaN], [null]],
      ["NaN vs 'NaN'", [NaN], ['NaN']],
      ['-0 vs 0', [-0], [0]],
      ['nested -0 vs 0', [{ a: [-0] }], [{ a: [0] }]],
      ['Infinity vs -Infinity', [Infinity], [-Infinity]],
      ['Infinity vs null', [Infinity], [null]],
      ["Infinity vs 'Infinity'", [Infinity], ['Infinity']],
      ['1n vs 1', [1n], [1]],
      ["1n vs '1'", [1n], ['1']],
      ["1n vs '1n'", [1n], ['1n']],
      ['1 vs 1.5', [1], [1.5]],
      ['f(1, 2) vs f(1, 3)', [1, 2], [1, 3]],
      ['f(1, 2) vs f(2, 1)', [1, 2], [2, 1]],
      ['f(1, 2) vs f([1, 2])', [1, 2], [[1, 2]]],
      ["'ab' vs 'bA'", ['ab'], ['bA']],
      ["'a' vs 'A'", ['a'], ['A']],
      ['[[1],2] vs [1,[2]]', [[[1], 2]], [[1, [2]]]],
      ['[[1,2]] vs [[1],[2]]', [[[1, 2]]], [[[1], [2]]]],
      ['[] vs [[]]', [[]], [[[]]]],
      ["['a,b'] vs ['a','b'] (nested)", [['a,b']], [['a', 'b']]],
      ["f('a,b') vs f('a','b')", ['a,b'], ['a', 'b']],
      ["f('a|b') vs f('a','b')", ['a|b'], ['a', 'b']],
      ['f(\'a"|"b\') vs f(\'a\',\'b\')', ['a"|"b'], ['a', 'b']],
      ['[\'a","b\'] vs [\'a\',\'b\']', [['a","b']], [['a', 'b']]],
      ['{a:\'x",b:"y\'} vs {a:\'x\',b:\'y\'}', [{ a: 'x",b:"y' }], [{ a: 'x', b: 'y' }]],
      ['{a:\'1,b:2\'} vs {a:1,b:2}', [{ a: '1,b:2' }], [{ a: 1, b: 2 }]],
      ["'\\\\' vs '\\\\\\\\'", ['\\'], ['\\\\']],
      ['a backslash-quote vs a quote', ['\\"'], ['"']],
      ["'a:b' vs 'a','b'", ['a:b'], ['a', 'b']],
      ["'a:1' vs {a:1}", ['a:1'], [{ a: 1 }]],
      ['{"a:b":1} vs {a:{b:1}}', [{ 'a:b': 1 }], [{ a: { b: 1 } }]],
      ['{\'a":1,"b\':1} vs {a:1,b:1}', [{ 'a":1,"b': 1 }], [{ a: 1, b: 1 }]],
      ['{"a,b":1} vs {a:1,b:1}', [{ 'a,b': 1 }], [{ a: 1, b: 1 }]],
      ['two lone surrogates (UTF-8 would merge them)', ['\ud800'], ['\udc00']],
      ['a lone surrogate vs U+FFFD', ['\ud800'], ['\ufffd']],
      ['{a: undefined} vs {}', [{ a: undefined }], [{}]],
      ['{a: undefined} vs {a: null}', [{ a: undefined }], [{ a: null }]],
      ['a hole vs undefined', [sparse(2, { 1: 1 })], [[undefined, 1]]],
      ['[,] (length 1) vs []', [sparse(1, {})], [[]]],
      ['[,] vs [undefined]', [sparse(1, {})], [[undefined]]],
      ["a hole vs '~'", [sparse(1, {})], [['~']]],
      ['{0:1} vs [1]', [{ 0: 1 }], [[1]]],
      ['Buffer vs Uint8Array with the same bytes', [Buffer.from('ab')], [new Uint8Array([97, 98])]],
      ["Buffer vs its string", [Buffer.from('ab')], ['ab']],
      ['two Buffers differing in one byte', [Buffer.from('ab')], [Buffer.from('ac')]],
      ['Uint8Array vs Int8Array, same bytes', [new Uint8Array([1])], [new Int8Array([1])]],
      ['Uint16Array([1]) vs Uint8Array([1,0])', [new Uint16Array([1])], [new Uint8Array([1, 0])]],
      ['a typed array vs an array', [new Uint8Array([1, 2])], [[1, 2]]],
      ['ArrayBuffer vs its Uint8Array', [new Uint8Array([1]).buffer], [new Uint8Array([1])]],
      ['a DataView vs its Uint8Array', [new DataView(new Uint8Array([1]).buffer)], [new Uint8Array([1])]],
      ['/a/g vs /a/i', [/a/g], [/a/i]],
      ['/a/ vs /b/', [/a/], [/b/]],
      ["/a/ vs 'a'", [/a/], ['a']],
      ["/a/g vs '/a/g'", [/a/g], ['/a/g']],
      ['Number(1) vs 1', [Object(1)], [1]],
      ["String('1') vs '1'", [Object('1')], ['1']],
      ['Number(1) vs String("1")', [Object(1)], [Object('1')]],
      ['Boolean(false) vs false', [Object(false)], [false]],
      ['BigInt(1n) vs 1n', [Object(1n)], [1n]],
      ['Number(-0) vs Number(0)', [Object(-0)], [Object(0)]],
      ['new Point(1,2) vs {x:1,y:2}', [new Point(1, 2)], [{ x: 1, y: 2 }]],
      ['new Point(1,2) vs new Other(1,2)', [new Point(1, 2)], [new Other(1, 2)]],
      ['new Point(1,2) vs new Point(2,1)', [new Point(1, 2)], [new Point(2, 1)]],
      ['new Point(1,2) vs [1,2] (what its [cacheKey]() returns)', [new Point(1, 2)], [[1, 2]]],
      ['a keyed plain object vs what its [cacheKey]() returns', [{ [cacheKey]: () => 1 }], [1]],
      ['a keyed plain object vs a keyed instance', [{ [cacheKey]: () => [1, 2] }], [new Point(1, 2)]],
      ['KeyedMap vs Map with the same entries', [new KeyedMap([[1, 2]])], [new Map([[1, 2]])]],
      ['URL vs its href', [new URL('https://a.example/')], ['https://a.example/']],
      ['two URLs', [new URL('https://a.example/x')], [new URL('https://a.example/y')]],
      ['URLSearchParams vs its string', [new URLSearchParams('a=1')], ['a=1']],
      ['nested object values', [{ a: { b: 1 } }], [{ a: { b: 2 } }]],
      ['a long list differing at the end', [Array.from({ length: 100 }, (_, i) => i)], [Array.from({ length: 100 }, (_, i) => (i === 99 ? 100 : i))]],
    ];
    for (const [what, a, b] of differ) {
      it(what, () => {
        expect(enc(...a)).to.not.equal(enc(...b));
        expect(full(...a)).to.not.equal(full(...b));
      });
    }
  });

  describe('equal argument lists share a key', () => {
    const shared = { a: 1 };
    const equal: Array<[string, () => unknown[], () => unknown[]]> = [
      ['object key order does not matter', () => [{ a: 1, b: 2 }], () => [{ b: 2, a: 1 }]],
      ['nested key order does not matter', () => [{ x: { c: 3, a: [{ z: 1, y: 2 }] }, w: 0 }], () => [{ w: 0, x: { a: [{ y: 2, z: 1 }], c: 3 } }]],
      ['integer-like keys sort like the others', () => [{ 10: 'a', 2: 'b', x: 1 }], () => [{ x: 1, 2: 'b', 10: 'a' }]],
      ['Map insertion order does not matter', () => [new Map<unknown, unknown>([[1, 'a'], ['k', { b: 1, a: 2 }]])], () => [new Map<unknown, unknown>([['k', { a: 2, b: 1 }], [1, 'a']])]],
      ['Set insertion order does not matter', () => [new Set([3, 'x', { b: 1, a: 2 }])], () => [new Set([{ a: 2, b: 1 }, 'x', 3])]],
      ['a Map of Sets in any order', () => [new Map([['s', new Set([1, 2, 3])], ['t', new Set([4])]])], () => [new Map([['t', new Set([4])], ['s', new Set([3, 1, 2])]])]],
      ['a null-prototype object is a plain object', () => [nullProto({ a: 1, b: [2] })], () => [{ b: [2], a: 1 }]],
      ['NaN equals NaN', () => [NaN, [NaN]], () => [NaN, [NaN]]],
      ['Dates by time, not identity', () => [new Date(5)], () => [new Date(5)]],
      ['two invalid Dates', () => [new Date(NaN)], () => [new Date('nope')]],
      ['a repeated reference encodes like two copies', () => [[shared, shared]], () => [[{ a: 1 }, { a: 1 }]]],
      ['Buffers by bytes', () => [Buffer.from('hello')], () => [Buffer.from([104, 101, 108, 108, 111])]],
      ['RegExps by source and flags (lastIndex is state)', () => { const r = /a/g; r.lastIndex = 3; return [r]; }, () => [/a/g]],
      ['-0 as a Map key is 0 (Map semantics)', () => [new Map([[-0, 1]])], () => [new Map([[0, 1]])]],
      ['a plain object from another realm', () => [vm.runInNewContext('({ b: [1], a: new Map([[1, 2]]) })') as unknown], () => [{ a: new Map([[1, 2]]), b: [1] }]],
      ['a Date from another realm', () => [vm.runInNewContext('new Date(0)') as unknown], () => [new Date(0)]],
      ['a Map, typed array and boxed number from another realm', () => vm.runInNewContext('[new Map([[1, 2]]), new Uint8Array([1]), Object(1)]') as unknown[], () => [new Map([[1, 2]]), new Uint8Array([1]), Object(1)]],
      ['extra own properties of an array are not part of its key', () => [Object.assign([1, 2], { extra: 1, [Symbol('s')]: 2 })], () => [[1, 2]]],
      ['extra own properties of a built-in are not part of its key', () => [Object.assign(new Date(0), { extra: 1 })], () => [new Date(0)]],
      ['instances keyed by equal [cacheKey]() results', () => [new Point(1, 2)], () => [new Point(1, 2)]],
    ];
    for (const [what, a, b] of equal) {
      it(what, () => {
        expect(enc(...a())).to.equal(enc(...b()));
      });
    }

    it('is deterministic across Map/Set insertion orders (all permutations)', () => {
      const entries: Array<[unknown, unknown]> = [['a', 1], [2, 'b'], [{ k: 1 }, [1]], [null, new Set([1, 2])]];
      const keys = new Set<string>();
      for (const perm of permutations(entries)) {
        keys.add(enc(new Map(perm), new Set(perm.map(([k]) => k))));
      }
      expect(keys.size).to.equal(1);
    });
  });

  describe('what cannot be encoded', () => {
    it('refuses a function argument, naming method, position and advice', () => {
      const err = thrown(() => encodeArgs([1, () => 1], LABEL));
      expect(err).to.be.instanceOf(CacheflightError);
      expect(err.code).to.equal('E_CACHE_KEY');
      expect(err.name).to.equal('CacheKeyError');
      expect(err.argumentIndex).to.equal(1);
      expect(err.message).to.contain(LABEL);
      expect(err.message).to.contain('argument 2 is a function');
      expect(err.message).to.contain('give @Cacheable a `key` function, or pass plain data'.replace(/^g/, 'G'));
    });

    it('refuses a symbol argument', () => {
      const err = thrown(() => encodeArgs([Symbol('s')], LABEL));
      expect(err.argumentIndex).to.equal(0);
      expect(err.message).to.contain('argument 1 is a symbol');
    });

    it('names the path of a nested function: argument 2 at .filters.sort', () => {
      const err = thrown(() => encodeArgs([1, { page: 1, filters: { q: 'x', sort: () => 0 } }], LABEL));
      expect(err.code).to.equal('E_CACHE_KEY');
      expect(err.argumentIndex).to.equal(1);
      expect(err.message).to.contain(`${LABEL}: argument 2 at .filters.sort is a function`);
    });

    const paths: Array<[string, () => unknown, string]> = [
      ['a symbol in an array', () => [1, [2, Symbol('s')]], 'argument 1 at [1][1] is a symbol'],
      ['a symbol under an odd key', () => ({ 'a b': Symbol('s') }), 'argument 1 at ["a b"] is a symbol'],
      ['a function as a Map value', () => new Map([['k', () => 1]]), 'argument 1 at .get("k") is a function'],
      ['a function as a Map key', () => new Map<unknown, number>([[1, 1], [() => 1, 2]]), 'argument 1 at .keys()[1] is a function'],
      ['a symbol in a Set', () => new Set([1, Symbol('s')]), 'argument 1 at .values()[1] is a symbol'],
      ['a function in what [cacheKey]() returns', () => new Point(1, (() => 1) as unknown as number), 'argument 1 at [cacheKey]()[1] is a function'],
      ['an own toJSON method', () => ({ a: 1, toJSON: () => 'x' }), 'argument 1 at .toJSON is a function'],
      ['a boxed symbol', () => ({ s: Object(Symbol('s')) }), 'argument 1 at .s is a boxed symbol'],
      ['a WeakMap', () => ({ w: new WeakMap() }), 'argument 1 at .w is a WeakMap'],
      ['a WeakSet', () => [new WeakSet()], 'argument 1 at [0] is a WeakSet'],
      ['a WeakRef', () => new WeakRef({}), 'argument 1 is a WeakRef'],
      ['a Promise', () => Promise.resolve(1), 'argument 1 is a Promise'],
      ['an Error', () => ({ e: new TypeError('x') }), 'argument 1 at .e is an Error'],
      ['a generator', () => (function* g() {})(), 'argument 1 is a generator'],
      ['a Map iterator', () => new Map().keys(), 'argument 1 is an iterator'],
      ['an Array iterator', () => [1].values(), 'argument 1 is an iterator'],
    ];
    for (const [what, make, message] of paths) {
      it(`refuses ${what}: "${message}"`, () => {
        const err = thrown(() => encodeArgs([make()], LABEL));
        expect(err.code).to.equal('E_CACHE_KEY');
        expect(err.argumentIndex).to.equal(0);
        expect(err.message).to.contain(message);
        expect(err.message).to.contain('`key` function');
      });
    }

    it('refuses a cycle, saying where it points back to', () => {
      const a: Record<string, unknown> = { x: 1 };
      a['self'] = a;
      const err = thrown(() => encodeArgs([0, a], LABEL));
      expect(err.argumentIndex).to.equal(1);
      expect(err.message).to.contain('argument 2 at .self is a cycle');
      expect(err.message).to.contain('refers back to argument 2 itself');
    });

    it('refuses a deep cycle with its full path', () => {
      const root: { a: { b: Array<Record<string, unknown>> } } = { a: { b: [{}] } };
      (root.a.b[0] as Record<string, unknown>)['up'] = root.a;
      const err = thrown(() => encodeArgs([root], LABEL));
      expect(err.message).to.contain('argument 1 at .a.b[0].up is a cycle: it refers back to argument 1 at .a');
    });

    it('refuses cycles through Maps and Sets', () => {
      const m = new Map<string, unknown>();
      m.set('me', m);
      expect(thrown(() => enc(m)).message).to.contain('argument 1 at .get("me") is a cycle');
      const s = new Set<unknown>();
      s.add([s]);
      expect(thrown(() => enc(s)).message).to.contain('argument 1 at .values()[0][0] is a cycle');
    });

    it('accepts a repeated but acyclic reference ([o, o], {a: o, b: o}, o in two arguments)', () => {
      const o = { v: [1, 2] };
      expect(enc([o, o])).to.equal('[{v:[1,2]},{v:[1,2]}]');
      expect(enc({ a: o, b: o })).to.equal('{a:{v:[1,2]},b:{v:[1,2]}}');
      expect(enc(o, o)).to.equal('{v:[1,2]}|{v:[1,2]}');
      const diamond = { l: { leaf: o }, r: { leaf: o } };
      expect(enc(diamond)).to.equal('{l:{leaf:{v:[1,2]}},r:{leaf:{v:[1,2]}}}');
    });

    it(`encodes acyclic data nested deeper than the first pass (${FAST_DEPTH}) and refuses past ${MAX_KEY_DEPTH}`, () => {
      const nest = (levels: number): unknown => {
        let v: unknown = 0;
        for (let i = 0; i < levels; i++) v = [v];
        return v;
      };
      const deep = full(nest(FAST_DEPTH + 10));
      expect(deep).to.equal('['.repeat(FAST_DEPTH + 10) + '0' + ']'.repeat(FAST_DEPTH + 10));
      const err = thrown(() => enc(nest(MAX_KEY_DEPTH + 10)));
      expect(err.message).to.contain(`is nested more than ${MAX_KEY_DEPTH} levels deep`);
      expect(err.message).to.contain('argument 1 at [0][0]');
    });

    it("lets a getter's own error through untouched", () => {
      const boom = new Error('boom');
      const o = {
        get x(): number {
          throw boom;
        },
      };
      expect(() => enc(o)).to.throw(Error).that.equals(boom);
    });

    it('is re-entrant: a getter may call the encoder (a cached method) in the middle of an encoding', () => {
      const inner: Record<string, unknown> = { v: 1 };
      const outer = {
        inner,
        get derived(): string {
          return encodeArgs([outer.inner], 'Nested.call');
        },
      };
      expect(enc(outer)).to.equal('{derived:"{v:1}",inner:{v:1}}');
      // Re-entered on every level of both passes of a cycle search, which still finds the cycle.
      const cyclic: Record<string, unknown> = { outer };
      cyclic['self'] = cyclic;
      expect(thrown(() => enc(cyclic)).message).to.contain('argument 1 at .self is a cycle');
    });

    it('leaves no state behind after an error', () => {
      const a: Record<string, unknown> = {};
      a['a'] = a;
      thrown(() => enc(a));
      expect(enc(42, 'abc', { a: 1, b: [1, 2] })).to.equal('42|"abc"|{a:1,b:[1,2]}');
    });
  });

  describe('long keys', () => {
    it(`keeps encodings up to maxLength (default ${DEFAULT_MAX_KEY_LENGTH}) and digests longer ones`, () => {
      // '"' + s + '"' is s.length + 2 characters.
      const atLimit = 'x'.repeat(DEFAULT_MAX_KEY_LENGTH - 2);
      expect(enc(atLimit)).to.equal(`"${atLimit}"`);
      const over = enc(atLimit + 'x');
      expect(over).to.have.length(DIGEST_KEY_LENGTH);
      expect(over.startsWith(DIGEST_MARKER)).to.equal(true);
      expect(over).to.match(/^#[A-Za-z0-9_-]{43}$/);
    });

    it('digests with SHA-256, base64url, behind the marker', () => {
      const args = [{ ids: Array.from({ length: 100 }, (_, i) => i) }];
      const encoding = full(...args);
      const expected = '#' + createHash('sha256').update(encoding, 'utf8').digest('base64url');
      expect(enc(...args)).to.equal(expected);
    });

    it('keeps inputs that differ only at the end apart', () => {
      const base = 'y'.repeat(1000);
      expect(enc(base + 'a')).to.not.equal(enc(base + 'b'));
      expect(enc([...Array.from({ length: 300 }, () => 0), 1])).to.not.equal(enc([...Array.from({ length: 300 }, () => 0), 2]));
    });

    it('never digests to something a short encoding could be', () => {
      expect(enc('#')).to.equal('"#"');
      const digest = enc('z'.repeat(500));
      expect(enc(digest)).to.not.equal(digest);
    });

    it('honours a custom maxLength, and Infinity never digests', () => {
      expect(encodeArgs(['abcdef'], LABEL, 8)).to.equal('"abcdef"');
      expect(encodeArgs(['abcdefg'], LABEL, 8)).to.match(/^#/);
      const long = 'q'.repeat(10_000);
      expect(encodeArgs([long], LABEL, Infinity)).to.equal(`"${long}"`);
    });

    it('keeps lone surrogates apart in digests too (UTF-8 would merge them)', () => {
      const pad = 'p'.repeat(300);
      expect(enc(pad + '\ud800')).to.not.equal(enc(pad + '\udc00'));
    });
  });

  describe('property: encode(a) === encode(b) iff a equals b under the rules', () => {
    it('holds for thousands of random nested values (own structural equality)', () => {
      const rng = mulberry32(0xc0ffee);
      const seen = new Map<string, unknown>();
      let equalPairs = 0;
      let differentPairs = 0;
      for (let n = 0; n < 4000; n++) {
        const a = gen(rng, 0, true);
        const mode = n % 3;
        const b = mode === 0 ? cloneShuffled(rng, a, 0) : mode === 1 ? cloneShuffled(rng, a, 0.15) : gen(rng, 0, true);
        const same = equalUnderRules(a, b);
        same ? equalPairs++ : differentPairs++;
        const ka = full(a);
        const kb = full(b);
        expect(ka === kb, `${ka} vs ${kb}, equal=${same}`).to.equal(same);
        // No collision across the whole run either.
        for (const [k, v] of [[ka, a], [kb, b]] as const) {
          const prior = seen.get(k);
          if (prior === undefined) seen.set(k, v);
          else expect(equalUnderRules(prior, v), `collision on ${k}`).to.equal(true);
        }
        expect(ka.startsWith(DIGEST_MARKER)).to.equal(false);
        // Argument lists: splitting a value over two arguments never collides with another split.
        expect(full(a, b) === full(b, a)).to.equal(same);
      }
      expect(equalPairs).to.be.greaterThan(1000);
      expect(differentPairs).to.be.greaterThan(1000);
    });

    it('never starts or ends an encoding with white space (keys are flattened with trim())', () => {
      const rng = mulberry32(7);
      const edgy = [' a', 'a ', '\t', '\n', '\u00a0x', 'x\u2028', '\ufeff', '', { ' ': ' ' }, [' '], new Map([[' ', ' ']]), new Set([' '])];
      const values: unknown[] = [...edgy];
      for (let n = 0; n < 2000; n++) values.push(gen(rng, 0, true));
      for (const value of values) {
        const raw = encodeValue(value, 0, null);
        expect(raw.trim(), JSON.stringify(raw)).to.equal(raw);
        expect(full(value, 1)).to.equal(raw + '|1');
      }
      expect(enc(' a')).to.not.equal(enc('a'));
      expect(enc('a\u2028')).to.not.equal(enc('a'));
    });

    it('agrees with node:util isDeepStrictEqual on values it judges the same way', () => {
      const rng = mulberry32(42);
      for (let n = 0; n < 3000; n++) {
        const a = gen(rng, 0, false);
        const b = n % 2 === 0 ? cloneShuffled(rng, a, 0.1, 0, false) : gen(rng, 0, false);
        expect(full(a) === full(b), `${full(a)} vs ${full(b)}`).to.equal(isDeepStrictEqual(a, b));
      }
    });
  });
});

// ---------------------------------------------------------------- helpers of the property tests

/** Equality under the encoder's rules, written independently of it. */
function equalUnderRules(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const kind = (v: object): string =>
    Array.isArray(v) ? 'array' : v instanceof Map ? 'map' : v instanceof Set ? 'set' : v instanceof Date ? 'date'
      : Buffer.isBuffer(v) ? 'buffer' : v instanceof Point ? 'point' : 'object';
  if (kind(a) !== kind(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (i in a !== i in b || !equalUnderRules(a[i], b[i])) return false;
    }
    return true;
  }
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (a instanceof Map && b instanceof Map) return sameMultiset([...a], [...b]);
  if (a instanceof Set && b instanceof Set) return sameMultiset([...a], [...b]);
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    equalUnderRules(ka, kb) &&
    ka.every((k) => equalUnderRules((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Greedy matching is exact because equalUnderRules is an equivalence relation. */
function sameMultiset(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...b];
  for (const x of a) {
    const i = left.findIndex((y) => equalUnderRules(x, y));
    if (i === -1) return false;
    left.splice(i, 1);
  }
  return true;
}

function* permutations<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield items.slice();
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) yield [items[i] as T, ...p];
  }
}
