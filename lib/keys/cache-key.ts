/**
 * The documented way for a class (or a plain object) to say what identifies it in a cache key.
 * The key encoder cannot see `#private` fields or tell which fields matter, so it refuses class
 * instances unless they define a method under this symbol.
 */

/**
 * The symbol under which an object's class (or the object itself) defines the method that
 * returns what identifies the object in a cache key: plain data the encoder can encode (numbers,
 * strings, arrays, plain objects, Dates, Maps...), never the object itself.
 *
 * It is `Symbol.for('cacheflight.cacheKey')`, so that the ESM and the CommonJS builds (and any
 * copy of the package) agree on it.
 *
 * @example
 * ```ts
 * import { cacheKey, type CacheKeyed } from 'cacheflight';
 *
 * class UserRef implements CacheKeyed {
 *   #token: string;
 *   constructor(readonly id: number, token: string) { this.#token = token; }
 *   [cacheKey]() { return this.id; }   // two UserRefs with the same id share entries
 * }
 * ```
 *
 * The key of an instance is then its class (its name and a digest of its source text, so two
 * classes with the same name but different code never share keys) plus the encoding of what this
 * method returns. The method is called on every call that derives a key: keep it cheap and pure.
 */
export const cacheKey: unique symbol = Symbol.for('cacheflight.cacheKey') as typeof cacheKey;

/**
 * An object that says what identifies it in a cache key: see {@link cacheKey}.
 */
export interface CacheKeyed {
  /**
   * What identifies this object in a cache key: encodable data, not the object itself.
   *
   * @returns the identifying data; two objects of the same class whose results are equal share a key
   */
  [cacheKey](): unknown;
}
