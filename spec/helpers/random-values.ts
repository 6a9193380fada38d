/**
 * Seeded random values for property tests of key encoding: small pools, so that equal values come
 * up often, covering primitives, arrays with holes, plain and null-prototype objects, Maps, Sets,
 * Dates, class instances and Buffers.
 */
import { Buffer } from 'node:buffer';
import { cacheKey, type CacheKeyed } from '../../lib/keys/cache-key.js';

/** A class whose instances the generators produce (keyed by `[cacheKey]()`: `@Point~digest([x,y])`). */
export class Point implements CacheKeyed {
  constructor(
    public x: number,
    public y: number,
  ) {}

  [cacheKey](): unknown {
    return [this.x, this.y];
  }
}

/** A small, seeded PRNG. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The primitive pool. */
export const PRIMITIVES: readonly unknown[] = [
  0, -0, 1, 2, 1.5, NaN, Infinity, -Infinity, 1n, 0n, -1n,
  '', '0', '1', 'a', 'A', 'ab', 'bA', 'a,b', ',', '"', '\\', ':', '|', '~', '=>', '{', ']', 'null',
  'undefined', 'NaN', '1n', '\ud800', '\udc00', 'é', '😀',
  null, undefined, true, false,
];
const KEYS = ['a', 'b', 'c', '1', '10', 'a b', '', 'x"y', '__proto_'];

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/**
 * A random value; small pools so that equal values come up often. `loose` adds what
 * isDeepStrictEqual judges differently (null-prototype objects, invalid Dates).
 */
export function gen(rng: () => number, depth: number, loose: boolean): unknown {
  const r = rng();
  if (depth >= 3 || r < 0.45) return pick(rng, PRIMITIVES);
  const size = Math.floor(rng() * 3);
  const child = (): unknown => gen(rng, depth + 1, loose);
  if (r < 0.6) {
    const a: unknown[] = new Array<unknown>(size);
    for (let i = 0; i < size; i++) if (rng() < 0.9) a[i] = child();
    return a;
  }
  if (r < 0.75) {
    const o: Record<string, unknown> = loose && rng() < 0.2 ? (Object.create(null) as Record<string, unknown>) : {};
    for (let i = 0; i < size; i++) o[pick(rng, KEYS)] = child();
    return o;
  }
  if (r < 0.82) {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < size; i++) m.set(rng() < 0.7 ? pick(rng, PRIMITIVES) : child(), child());
    return m;
  }
  if (r < 0.88) {
    const s = new Set<unknown>();
    for (let i = 0; i < size; i++) s.add(rng() < 0.7 ? pick(rng, PRIMITIVES) : child());
    return s;
  }
  if (r < 0.92) return new Date(pick(rng, loose ? [0, 1, -1, NaN, 1e12] : [0, 1, -1, 1e12]));
  if (r < 0.96) return new Point(pick(rng, [0, 1, -0]) as number, pick(rng, [0, 1]) as number);
  return Buffer.from([Math.floor(rng() * 2), Math.floor(rng() * 2)].slice(0, size));
}

function shuffled<T>(rng: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A deep copy with object keys, Map entries and Set members re-inserted in random order, and
 * with probability `mutate` per node replaced by a fresh random value. */
export function cloneShuffled(rng: () => number, v: unknown, mutate: number, depth = 0, loose = true): unknown {
  if (mutate > 0 && rng() < mutate) return gen(rng, depth, loose);
  const c = (x: unknown): unknown => cloneShuffled(rng, x, mutate, depth + 1, loose);
  if (Array.isArray(v)) {
    const a: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) a[i] = c(v[i]);
    return a;
  }
  if (v instanceof Map) return new Map(shuffled(rng, [...v].map(([k, x]) => [c(k), c(x)] as [unknown, unknown])));
  if (v instanceof Set) return new Set(shuffled(rng, [...v].map(c)));
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Point) return new Point(v.x, v.y);
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = Object.getPrototypeOf(v) === null ? (Object.create(null) as Record<string, unknown>) : {};
    for (const k of shuffled(rng, Object.keys(v))) o[k] = c((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

