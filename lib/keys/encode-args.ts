/**
 * The canonical, type-tagged encoding of a method's argument list: the part of a cache key after
 * `namespace:`. Two argument lists share a key only when they are equal under the equality below;
 * what the encoder cannot see into is refused (`CacheKeyError`), never silently left out.
 *
 * Grammar (every value's encoding is self-delimiting, so concatenations cannot be forged):
 * - list: values joined by `|` (`f(42, 'abc')` -> `42|"abc"`); `f()` -> `` (empty).
 * - `"…"` string (JSON escapes); `42` `-0` `NaN` `-Infinity` number; `1n` bigint; `true`
 *   `false` `null` `undefined`.
 * - `[a,b]` array, `~` a hole; `{a:1,"odd key":2}` plain object (prototype `Object.prototype` or
 *   `null`, of any realm: own enumerable string keys, sorted, bare when `[A-Za-z0-9_$]+`, quoted
 *   otherwise).
 * - `Date(2024-01-01T00:00:00.000Z)` / `Date(NaN)`; `Map{k=>v,…}` and `Set{a,…}` with entries
 *   sorted; `RegExp("src","flags")`; `Number(1)` `String("a")` `Boolean(true)` `BigInt(1n)`
 *   boxed; `Buffer(hex)` `Uint8Array(hex)` (any typed array, `DataView`, `ArrayBuffer`) by bytes;
 *   `URL("href")`, `URLSearchParams("a=1")`: the built-ins themselves (of any realm), not subclasses.
 * - `@Point~<16 base64url>(…)`: an object whose class defines `[cacheKey]()` (see `cache-key.ts`),
 *   tagged with the class's name and a digest of its source text and its superclasses'
 *   (`class-tag.ts`), then the encoding of what the method returns; `@(…)`: a plain object
 *   with its own `[cacheKey]()`.
 * - longer than `maxLength`: `#` + base64url(SHA-256(encoding)) instead (see `digest.ts`).
 *
 * Equality, and decisions (when in doubt, keep apart: a spurious miss is cheap, a collision is a
 * wrong answer): `f()` ≠ `f(undefined)` (the method can see `arguments.length`), `{a: undefined}`
 * ≠ `{}`, a hole ≠ `undefined`, numbers by `Object.is` except Map keys and Set members (Map
 * semantics: `-0` is `0`). Plain objects count their own enumerable string keys, read through
 * their getters; one with an own symbol-keyed or non-enumerable property is refused (unless it has
 * its own `[cacheKey]()`). Extra own properties of arrays and built-ins are not part of the key
 * (checking them would cost every array a property listing). `toJSON` is not special (an own
 * `toJSON` function is refused like any function). Any other object (a class instance, a subclass
 * of a built-in, an object with another prototype) is refused unless its class defines
 * `[cacheKey]()`: the encoder cannot see `#private` state nor tell which fields identify it. Two
 * classes are the same for keys when they have the same name and source text (a class evaluated
 * again by a hot reload keeps its keys; two classes named alike in different modules do not share).
 */
import { CacheKeyError } from '../core/errors.js';
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
 * the same string; different lists never share one; what the encoder cannot see into is refused.
 *
 * @param args - the arguments, as the method received them (their count matters)
 * @param label - the method, e.g. `ProductService.getProduct`, named in errors only
 * @param maxLength - longest encoding returned as is; longer ones are replaced by their digest
 *   (`#` + 43 characters). Defaults to 200 (`DEFAULT_MAX_KEY_LENGTH`); `Infinity` never hashes.
 * @returns the encoding, or its digest when longer than `maxLength`
 * @throws CacheKeyError - (`E_CACHE_KEY`) when an argument holds a function, a symbol, a cycle, a
 *   WeakMap/WeakSet/WeakRef, a Promise, an Error, an iterator, a plain object with a symbol-keyed
 *   or non-enumerable own property, or an object of another class or prototype without a
 *   `[cacheKey]()` method; the message names the method, the argument (1-based) and the path
 *   inside it; `argumentIndex` is zero-based.
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
  return finishEncoding(out, maxLength);
}

/**
 * The last step of {@link encodeArgs}: the concatenated encodings of the arguments (joined by
 * `|`) as the key part, its digest when longer than `maxLength`, else one flat string. For
 * callers that join the arguments' encodings themselves (`LastArgsMemo.encode`).
 *
 * @param out - the arguments' encodings joined by `|`
 * @param maxLength - as for {@link encodeArgs}
 * @returns what {@link encodeArgs} answers for those arguments
 */
export function finishEncoding(out: string, maxLength: number = DEFAULT_MAX_KEY_LENGTH): string {
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

/**
 * One argument's encoding, as {@link encodeArgs} joins it; problems become a `CacheKeyError`
 * naming the argument's position (`index`, zero-based) and the method (`label`).
 */
export function encodeArg(value: unknown, index: number, label: string): string {
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
