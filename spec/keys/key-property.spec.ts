/**
 * Property tests of the key rule with fast-check: over generated argument lists (symbols as values
 * and as keys, class instances with and without [cacheKey](), same-name classes, other
 * prototypes, Maps, Sets, typed arrays, nested arrays and objects, -0, NaN, undefined, holes),
 * two lists that both encode share a key exactly when they are equal under an equality written
 * here, independently of the encoder; what is refused throws CacheKeyError and nothing else.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { CacheKeyError } from '../../lib/core/errors.js';
import { cacheKey } from '../../lib/keys/cache-key.js';
import { encodeArgs } from '../../lib/keys/encode-args.js';

// ------------------------------------------------------------------ the classes and prototypes

/** Evaluated twice from one source (a hot reload): the same class for keys. */
const makeSku = () =>
  class Sku {
    constructor(readonly v: unknown) {}
    [cacheKey](): unknown {
      return this.v;
    }
  };
const SkuA = makeSku();
const SkuB = makeSku();
/** Two different classes named Point. */
const PointX = (() =>
  class Point {
    constructor(readonly v: unknown) {}
    [cacheKey](): unknown {
      return this.v;
    }
  })();
const PointY = (() =>
  class Point {
    constructor(readonly v: unknown) {}
    [cacheKey](): unknown {
      return [this.v][0];
    }
  })();
/** Subclasses (inheriting [cacheKey]) of the two Sku evaluations: one class for keys. */
const makeSub = (base: typeof SkuA) => class SubSku extends base {};
const SubA = makeSub(SkuA);
const SubB = makeSub(SkuB);
class KeyedMap extends Map<unknown, unknown> {
  constructor(readonly v: unknown) {
    super([[1, 2]]);
  }
  [cacheKey](): unknown {
    return this.v;
  }
}
class Private {
  #v: unknown;
  constructor(v: unknown) {
    this.#v = v;
  }
  get v(): unknown {
    return this.#v;
  }
}
class Public {
  constructor(readonly v: unknown) {}
}

type Ctor = new (v: unknown) => object;
const CLASSES: readonly Ctor[] = [SkuA, SkuB, PointX, PointY, SubA, SubB, KeyedMap, Private, Public];
/** Which classes are the same class for keys (written by hand); `null`: refused. */
const FAMILY = new Map<unknown, string | null>([
  [SkuA, 'sku'], [SkuB, 'sku'], [PointX, 'point-x'], [PointY, 'point-y'], [SubA, 'sub'], [SubB, 'sub'],
  [KeyedMap, 'keyed-map'], [Private, null], [Public, null],
]);
const PROTOS: readonly object[] = [{ kind: 'a' }, { kind: 'b' }, { [cacheKey]: () => 1 }];
const SYMBOLS = [Symbol('s'), Symbol.for('t')];
/** The results of plain objects' own [cacheKey]() methods, as built. */
const KEYED_RESULT = new WeakMap<object, unknown>();

// ------------------------------------------------------------------ descriptors and building

type D =
  | { t: 'prim'; v: unknown }
  | { t: 'sym'; i: number }
  | { t: 'arr'; items: Array<D | undefined> } // undefined: a hole
  | { t: 'obj'; nullProto: boolean; entries: Array<[string, D]>; symKeys: Array<[number, D]>; hidden: boolean; keyed: D | undefined }
  | { t: 'proto'; i: number; entries: Array<[string, D]> }
  | { t: 'map'; entries: Array<[unknown, D]> }
  | { t: 'set'; items: D[] }
  | { t: 'typed'; kind: 'Uint8Array' | 'Int8Array' | 'Uint16Array'; items: number[] }
  | { t: 'date'; time: number }
  | { t: 'inst'; cls: number; v: D };

const PRIMS: readonly unknown[] = [0, -0, 1, NaN, undefined, null, '', 'a', '0', 1n, true];
const prim = fc.constantFrom(...PRIMS);
/** A class of CLASSES; the two refused ones (last) rarely. */
const clsIndex = fc.oneof({ weight: 10, arbitrary: fc.nat(CLASSES.length - 3) }, { weight: 1, arbitrary: fc.constantFrom(CLASSES.length - 2, CLASSES.length - 1) });
/** Mostly nothing: what is refused must stay rare enough for most lists to encode. */
const some = <T>(arb: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> =>
  fc.oneof({ weight: 12, arbitrary: fc.constant([] as T[]) }, { weight: 1, arbitrary: arb });
const sameValueZero = (v: unknown): string => `${typeof v}:${Object.is(v, -0) ? '0' : String(v)}`;

const { d } = fc.letrec<{ d: D }>((tie) => ({
  d: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'd' },
    { weight: 12, arbitrary: prim.map((v): D => ({ t: 'prim', v })) },
    { weight: 1, arbitrary: fc.nat(1).map((i): D => ({ t: 'sym', i })) },
    { weight: 3, arbitrary: fc.array(fc.option(tie('d'), { nil: undefined, freq: 5 }), { maxLength: 3 }).map((items): D => ({ t: 'arr', items })) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          nullProto: fc.boolean(),
          entries: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b'), tie('d')), { selector: (e) => e[0], maxLength: 2 }),
          symKeys: some(fc.uniqueArray(fc.tuple(fc.nat(1), tie('d')), { selector: (e) => e[0], maxLength: 1 })),
          hidden: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          keyed: fc.option(tie('d'), { nil: undefined, freq: 4 }),
        })
        .map((r): D => ({ t: 'obj', ...r })),
    },
    { weight: 1, arbitrary: fc.record({ i: fc.nat(PROTOS.length - 1), entries: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b'), tie('d')), { selector: (e) => e[0], maxLength: 1 }) }).map((r): D => ({ t: 'proto', ...r })) },
    { weight: 2, arbitrary: fc.uniqueArray(fc.tuple(prim, tie('d')), { selector: (e) => sameValueZero(e[0]), maxLength: 2 }).map((entries): D => ({ t: 'map', entries })) },
    { weight: 2, arbitrary: fc.array(tie('d'), { maxLength: 2 }).map((items): D => ({ t: 'set', items })) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('Uint8Array' as const, 'Int8Array' as const, 'Uint16Array' as const), items: fc.array(fc.nat(1), { maxLength: 2 }) }).map((r): D => ({ t: 'typed', ...r })) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, NaN).map((time): D => ({ t: 'date', time })) },
    { weight: 6, arbitrary: fc.record({ cls: clsIndex, v: tie('d') }).map((r): D => ({ t: 'inst', ...r })) },
  ),
}));

/** A fresh value from a descriptor; `reverse` inserts keys, entries and members in reverse order. */
function build(desc: D, reverse: boolean): unknown {
  const order = <T>(xs: T[]): T[] => (reverse ? xs.slice().reverse() : xs);
  switch (desc.t) {
    case 'prim':
      return desc.v;
    case 'sym':
      return SYMBOLS[desc.i];
    case 'arr': {
      const a: unknown[] = new Array<unknown>(desc.items.length);
      desc.items.forEach((item, i) => {
        if (item !== undefined) a[i] = build(item, reverse);
      });
      return a;
    }
    case 'obj': {
      const o: Record<string | symbol, unknown> = desc.nullProto ? (Object.create(null) as Record<string, unknown>) : {};
      for (const [k, v] of order(desc.entries)) o[k] = build(v, reverse);
      for (const [i, v] of desc.symKeys) o[SYMBOLS[i] as symbol] = build(v, reverse);
      if (desc.hidden) Object.defineProperty(o, 'hidden', { value: 1, enumerable: false });
      if (desc.keyed !== undefined) {
        const result = build(desc.keyed, reverse);
        KEYED_RESULT.set(o, result);
        o[cacheKey] = () => result;
      }
      return o;
    }
    case 'proto': {
      const o = Object.create(PROTOS[desc.i] as object) as Record<string, unknown>;
      for (const [k, v] of desc.entries) o[k] = build(v, reverse);
      return o;
    }
    case 'map':
      return new Map(order(desc.entries).map(([k, v]) => [k, build(v, reverse)]));
    case 'set':
      return new Set(order(desc.items).map((v) => build(v, reverse)));
    case 'typed':
      return desc.kind === 'Uint8Array' ? new Uint8Array(desc.items) : desc.kind === 'Int8Array' ? new Int8Array(desc.items) : new Uint16Array(desc.items);
    case 'date':
      return new Date(desc.time);
    case 'inst':
      return new (CLASSES[desc.cls] as Ctor)(build(desc.v, reverse));
  }
}

// ------------------------------------------------------------------ the reference rule

const classOf = (v: object): unknown => (Object.getPrototypeOf(v) as { constructor?: unknown } | null)?.constructor;
const isInstance = (v: object): boolean => FAMILY.has(classOf(v)) && Object.getPrototypeOf(v) === (classOf(v) as { prototype: unknown }).prototype;
const isPlain = (v: object): boolean => {
  const p: unknown = Object.getPrototypeOf(v);
  return p === null || p === Object.prototype;
};
const hasUnseen = (v: object): boolean => Reflect.ownKeys(v).length !== Object.keys(v).length;

/** Whether the rule refuses `v`: symbols, unseen properties, unkeyed instances, other prototypes. */
function refusedByRule(v: unknown): boolean {
  if (typeof v === 'symbol') return true;
  if (typeof v !== 'object' || v === null) return false;
  if (isInstance(v)) return FAMILY.get(classOf(v)) === null || refusedByRule((v as { v: unknown }).v);
  if (KEYED_RESULT.has(v)) return refusedByRule(KEYED_RESULT.get(v));
  if (Array.isArray(v)) return v.some((x) => refusedByRule(x));
  if (v instanceof Map) return [...v].some(([k, x]) => refusedByRule(k) || refusedByRule(x));
  if (v instanceof Set) return [...v].some((x) => refusedByRule(x));
  if (ArrayBuffer.isView(v) || v instanceof Date) return false;
  if (!isPlain(v) || hasUnseen(v)) return true;
  return Object.values(v).some((x) => refusedByRule(x));
}

/** Equality under the documented rule, for values the rule accepts. */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (isInstance(a) || isInstance(b)) {
    return isInstance(a) && isInstance(b) && FAMILY.get(classOf(a)) === FAMILY.get(classOf(b)) && equal((a as { v: unknown }).v, (b as { v: unknown }).v);
  }
  if (KEYED_RESULT.has(a) || KEYED_RESULT.has(b)) {
    return KEYED_RESULT.has(a) && KEYED_RESULT.has(b) && equal(KEYED_RESULT.get(a), KEYED_RESULT.get(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (i in a !== i in b || !equal(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || b instanceof Map) return a instanceof Map && b instanceof Map && sameMultiset([...a], [...b]);
  if (a instanceof Set || b instanceof Set) return a instanceof Set && b instanceof Set && sameMultiset([...a], [...b]);
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    return (
      ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && classOf(a) === classOf(b) &&
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
    );
  }
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return equal(ka, kb) && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Greedy matching is exact because `equal` is an equivalence relation. */
function sameMultiset(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...b];
  for (const x of a) {
    const i = left.findIndex((y) => equal(x, y));
    if (i === -1) return false;
    left.splice(i, 1);
  }
  return true;
}

/** The key of `args`, `undefined` when refused; any other error fails the test. */
function keyOf(args: unknown[]): string | undefined {
  const refused = args.some((a) => refusedByRule(a));
  try {
    const key = encodeArgs(args, 'Prop.m', Infinity);
    expect(refused, `accepted what the rule refuses: ${key}`).to.equal(false);
    return key;
  } catch (err) {
    if (!(err instanceof CacheKeyError)) throw err;
    expect(refused, `refused what the rule accepts: ${err.message}`).to.equal(true);
    return undefined;
  }
}

const argLists = fc.array(d, { maxLength: 3 });

/** Keeps or replaces a choice, half and half: near-equal twins collide often when the encoder is wrong. */
const either = <T>(kept: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof(fc.constant(kept), other);
const all = <T>(arbs: Array<fc.Arbitrary<T>>): fc.Arbitrary<T[]> => fc.tuple(...arbs).map((xs) => [...xs]);

/** A descriptor of the same shape with some leaves and choices (class, prototype, kind) changed. */
function variant(x: D): fc.Arbitrary<D> {
  switch (x.t) {
    case 'prim':
      return either(x, prim.map((v): D => ({ t: 'prim', v })));
    case 'sym':
      return either(x, fc.constant<D>({ t: 'prim', v: 'a' }));
    case 'arr':
      return all(x.items.map((i) => (i === undefined ? fc.constantFrom<D | undefined>(undefined, { t: 'prim', v: undefined }) : variant(i).map((v): D | undefined => v))))
        .map((items): D => ({ t: 'arr', items }));
    case 'obj':
      return fc
        .record({
          nullProto: either(x.nullProto, fc.boolean()),
          entries: all(x.entries.map(([k, v]) => variant(v).map((w): [string, D] => [k, w]))),
          symKeys: either(x.symKeys, fc.constant<Array<[number, D]>>([])),
          hidden: either(x.hidden, fc.constant(false)),
          keyed: x.keyed === undefined ? fc.constant(undefined) : either<D | undefined>(undefined, variant(x.keyed)),
        })
        .map((r): D => ({ t: 'obj', ...r }));
    case 'proto':
      return either(x, fc.constant<D>({ t: 'obj', nullProto: false, entries: x.entries, symKeys: [], hidden: false, keyed: undefined }));
    case 'map':
      return all(x.entries.map(([k, v]) => variant(v).map((w): [unknown, D] => [k, w]))).map((entries): D => ({ t: 'map', entries }));
    case 'set':
      return all(x.items.map(variant)).map((items): D => ({ t: 'set', items }));
    case 'typed':
      return either(x, fc.constantFrom('Uint8Array' as const, 'Int8Array' as const, 'Uint16Array' as const).map((kind): D => ({ ...x, kind })));
    case 'date':
      return either(x, fc.constantFrom(0, 1, NaN).map((time): D => ({ t: 'date', time })));
    case 'inst':
      return fc.tuple(either(x.cls, clsIndex), variant(x.v)).map(([cls, v]): D => ({ t: 'inst', cls, v }));
  }
}

/** Pairs of argument lists: independent ones, and near-equal twins. */
const pairs = fc.oneof(
  fc.tuple(argLists, argLists),
  argLists.chain((a) => fc.tuple(fc.constant(a), all(a.map(variant)))),
);

describe('keys: property tests (fast-check)', () => {
  it('equal keys imply equal values, and equal values equal keys, over generated argument lists', function () {
    this.timeout(60_000);
    let sharedKeys = 0;
    let refusals = 0;
    fc.assert(
      fc.property(pairs, ([da, db]) => {
        const a = da.map((x) => build(x, false));
        const b = db.map((x) => build(x, true));
        const ka = keyOf(a);
        const kb = keyOf(b);
        if (ka === undefined || kb === undefined) {
          refusals++;
          return;
        }
        const same = a.length === b.length && a.every((x, i) => equal(x, b[i]));
        if (ka === kb) sharedKeys++;
        expect(ka === kb, `${ka} vs ${kb}`).to.equal(same);
      }),
      { numRuns: 4000 },
    );
    // Not vacuous: small domains make shared keys (and refusals) common.
    expect(sharedKeys).to.be.greaterThan(100);
    expect(refusals).to.be.greaterThan(100);
  });

  it('the same value built twice (other insertion orders) gets the same key, or is refused both times', function () {
    this.timeout(60_000);
    let encoded = 0;
    fc.assert(
      fc.property(argLists, (ds) => {
        const ka = keyOf(ds.map((x) => build(x, false)));
        const kb = keyOf(ds.map((x) => build(x, true)));
        expect(ka).to.equal(kb);
        if (ka !== undefined) encoded++;
      }),
      { numRuns: 3000 },
    );
    expect(encoded).to.be.greaterThan(500);
  });
});
