/**
 * The tag that names a class in a key: `@Name~digest`, where the digest covers the class's source
 * text and its superclasses'. Two different classes with the same name never share a tag, while
 * the same class gets the same tag in every process and after a hot module reload (a class
 * evaluated again from the same source is the same class for keys), whatever the load order.
 */
import { createHash } from 'node:crypto';

/** Characters of base64url SHA-256 kept: 96 bits, so an accidental match is out of reach. */
const DIGEST_CHARS = 16;

const fnToString = Function.prototype.toString;
const FUNCTION_PROTO: unknown = Function.prototype;

/** Per constructor, computed once: hashing the source text costs microseconds. */
const digests = new WeakMap<Function, string>();

/**
 * The digest of a constructor's source text, chained with its superclass's (so that
 * `class B extends base {}` differs with `base`).
 *
 * @param ctor - a constructor
 * @returns 16 base64url characters
 */
export function classDigest(ctor: Function): string {
  let digest = digests.get(ctor);
  if (digest === undefined) {
    const parent: unknown = Object.getPrototypeOf(ctor);
    const parentDigest = typeof parent === 'function' && parent !== FUNCTION_PROTO ? classDigest(parent) : '';
    digest = createHash('sha256')
      .update(fnToString.call(ctor), 'utf8')
      .update('\u0000' + parentDigest, 'utf8')
      .digest('base64url')
      .slice(0, DIGEST_CHARS);
    digests.set(ctor, digest);
  }
  return digest;
}
