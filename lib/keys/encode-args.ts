/**
 * The canonical, type-tagged encoding of a method's argument list: the part of a cache key after
 * `namespace:`. Equal argument lists give the same string; different ones never do.
 *
 * Grammar (every value's encoding is self-delimiting, so concatenations cannot be forged):
 * - list: values joined by `|` (`f(42, 'abc')` -> `42|"abc"`); `f()` -> `` (empty).
 * - `"…"` string (JSON escapes); `42` `-0` `NaN` `-Infinity` number; `1n` bigint; `true`
 *   `false` `null` `undefined`.
 * - `[a,b]` array, `~` a hole; `{a:1,"odd key":2}` object (own enumerable string keys, sorted,
 *   bare when `[A-Za-z0-9_$]+`, quoted otherwise); `@Point{x:1}` instance of class `Point`.
 * - `Date(2024-01-01T00:00:00.000Z)` / `Date(NaN)`; `Map{k=>v,…}` and `Set{a,…}` with entries
 *   sorted; `RegExp("src","flags")`; `Number(1)` `String("a")` `Boolean(true)` `BigInt(1n)`
 *   boxed; `Buffer(hex)` `Uint8Array(hex)` (any typed array, `DataView`, `ArrayBuffer`) by bytes;
 *   `URL("href")`, `URLSearchParams("a=1")`; a subclass of any of these: `@MyMap(Map{…})`.
 * - longer than `maxLength`: `#` + base64url(SHA-256(encoding)) instead (see `digest.ts`).
 *
 * Decisions (when in doubt, keep apart: a spurious miss is cheap, a collision is a wrong answer):
 * `f()` ≠ `f(undefined)` (the method can see `arguments.length`), `{a: undefined}` ≠ `{}`, a
 * hole ≠ `undefined`. Only own enumerable string keys count (symbol keys, non-enumerable and
 * `#private` fields are not seen; extra props on arrays and built-ins are ignored), read through
 * their getters. `toJSON` is not special (an own `toJSON` function is refused like any function).
 * Classes are told apart by constructor name. Map keys follow Map semantics (`-0` is `0`).
 */
import { CacheKeyError } from '../cache/errors.js';
import { digestKey } from './digest.js';
import { encodeRoot, encodeValue } from './encode-value.js';
import { KeyProblem } from './key-problem.js';

/**
 * Default longest encoding kept readable as is. Longer ones become a 44-character digest: past
 * ~200 characters a key is no longer readable in logs or `redis-cli` anyway, each Redis key's
 * bytes cost memory on every entry, and the SHA-256 (under a microsecond) is small next to the
 * cost of encoding that much structure.
 */
export const DEFAULT_MAX_KEY_LENGTH = 200;

const ADVICE = 'Give @Cacheable a `key` function, or pass plain data.';

/**
 * Encodes a method's arguments into a canonical, type-tagged string (see the grammar at the top
 * of this file). Equal argument lists (object key order and Map/Set insertion order aside) give
 * the same string; different lists never share one.
 *
 * @param args - the arguments, as the method received them (their count matters)
 * @param label - the method, e.g. `ProductService.getProduct`, named in errors only
 * @param maxLength - longest encoding returned as is; longer ones are replaced by their digest
 *   (`#` + 43 characters). Defaults to {@link DEFAULT_MAX_KEY_LENGTH}; `Infinity` never hashes.
 * @returns the encoding, or its digest when longer than `maxLength`
 * @throws CacheKeyError - (`E_CACHE_KEY`) when an argument holds a function, a symbol, a cycle, a
 *   WeakMap/WeakSet/WeakRef, a Promise, an Error or an iterator; the message names the method,
 *   the argument (1-based) and the path inside it; `argumentIndex` is zero-based.
 */
export function encodeArgs(
  args: readonly unknown[],
  label: string,
  maxLength: number = DEFAULT_MAX_KEY_LENGTH,
): string {
  const n = args.length;
  let out: string;
  if (n === 1) {
    out = encodeArg(args[0], 0, label);
  } else if (n === 0) {
    return '';
  } else {
    out = encodeArg(args[0], 0, label);
    for (let i = 1; i < n; i++) out += '|' + encodeArg(args[i], i, label);
  }
  if (out.length > maxLength) return digestKey(out);
  return out.length < MIN_CONS_LENGTH ? out : flat(out);
}

/** Concatenations shorter than this are copied into a flat string by V8 already. */
const MIN_CONS_LENGTH = 13;

/**
 * The same string in one flat piece. A concatenated key is a tree of pieces: V8 hashes it for a
 * Map without flattening it, so a stored key would keep every piece (about 100 bytes more per
 * entry for a three-argument key) and each comparison with a key of equal length would leave
 * compiled code. `trim()` flattens and answers the flat string itself; it cannot change a key,
 * as no encoding starts or ends with white space (each starts and ends with a quote, a bracket,
 * a digit or a letter).
 */
function flat(s: string): string {
  return s.trim();
}

/** One argument; problems become a `CacheKeyError` naming the argument's position. */
function encodeArg(value: unknown, index: number, label: string): string {
  try {
    return typeof value === 'object' && value !== null ? encodeRoot(value) : encodeValue(value, 0, null);
  } catch (err) {
    throw err instanceof KeyProblem ? keyError(err, index, label) : err;
  }
}

/** Turns the internal problem into the public error: method, argument (1-based), path, advice. */
function keyError(problem: KeyProblem, index: number, label: string): CacheKeyError {
  const segments = problem.segments.slice().reverse();
  const argument = `argument ${index + 1}`;
  const where = segments.length === 0 ? argument : `${argument} at ${segments.join('')}`;
  let what = problem.what;
  if (problem.cycleTarget >= 0) {
    const target = segments.slice(0, problem.cycleTarget).join('');
    what = `is a cycle: it refers back to ${target === '' ? `${argument} itself` : `${argument} at ${target}`}`;
  }
  return new CacheKeyError(`Cannot build a cache key for ${label}: ${where} ${what}. ${problem.advice ?? ADVICE}`, index);
}
