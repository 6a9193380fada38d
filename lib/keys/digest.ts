/**
 * The wide digest that stands in for an argument encoding too long to use as a key as is.
 *
 * SHA-256 of the encoding's UTF-8 bytes, base64url (43 characters), behind the marker `#`. No
 * encoding produced by `encodeArgs` starts with `#`, so a digest never equals a short encoding;
 * the encodings contain no lone surrogates, so their UTF-8 form is as unique as the text.
 */
import * as crypto from 'node:crypto';

/** The first character of every digest key; never the first character of an encoding. */
export const DIGEST_MARKER = '#';

/** Length of every {@link digestKey} result: the marker plus 43 base64url characters. */
export const DIGEST_KEY_LENGTH = 44;

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'base64url') => string;

/** Node >= 20.12 has the one-shot `crypto.hash`, cheaper than a Hash object; older 20.x do not. */
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/**
 * The digest key of an encoding: `#` + base64url(SHA-256(encoding)), {@link DIGEST_KEY_LENGTH}
 * characters.
 *
 * @param encoding - the full argument encoding
 * @returns a fixed-length key that cannot collide with any short encoding
 */
export function digestKey(encoding: string): string {
  const digest =
    oneShot !== undefined
      ? oneShot('sha256', encoding, 'base64url')
      : crypto.createHash('sha256').update(encoding, 'utf8').digest('base64url');
  return DIGEST_MARKER + digest;
}
