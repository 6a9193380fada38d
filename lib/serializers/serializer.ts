/**
 * How a store that keeps bytes (Redis) turns values into payloads and back.
 *
 * The default, {@link taggedJsonSerializer}, is JSON with type tags: plain JSON-like data is
 * written as plain JSON (one `JSON.stringify`, one `JSON.parse`: the fast path of a Redis hit),
 * and anything JSON would lose (Date, Map, Set, BigInt, undefined, NaN, -0, Buffer, typed
 * arrays...) switches that value to a tagged form that round-trips faithfully.
 *
 * ## Plugging in another one (e.g. MessagePack)
 *
 * ```ts
 * import { pack, unpack } from 'msgpackr';          // your dependency, not cacheflight's
 * const msgpack: Serializer = { encode: (v) => pack(v), decode: (b) => unpack(b) };
 * redisStore({ url, serializer: msgpack });
 * ```
 *
 * Trade-off of a binary format such as MessagePack: payloads are smaller (no base64 for bytes,
 * compact numbers) and encoding of large binary-heavy values is faster, which saves Redis memory
 * and bandwidth; but the payloads are no longer readable with `redis-cli GET`, the faithful set of
 * types depends on the library's extensions (Map/Set/BigInt/undefined often need options or
 * custom extension types, and `-0`/`undefined` inside objects are commonly lost), and every
 * process sharing the prefix must use the same serializer: changing it is a format change (old
 * payloads then fail to decode and count as misses, which is safe). For typical service results
 * (small JSON-like objects) V8's native `JSON.parse` is as fast as or faster than JS MessagePack
 * decoders, so the default stays JSON.
 */

/** Encodes values to payloads and decodes payloads back. */
export interface Serializer {
  /**
   * The payload of `value`.
   *
   * @throws TypeError (or any error) when the value cannot be encoded (a cycle, a function...);
   *   the store turns it into a rejected write.
   */
  encode(value: unknown): string | Buffer;
  /**
   * The value of a payload produced by {@link encode}.
   *
   * @throws any error for a payload it cannot read (garbage, another program's value, an old
   *   format); the store reports it as a `decode-error` notice and answers a miss.
   */
  decode(payload: Buffer): unknown;
}
