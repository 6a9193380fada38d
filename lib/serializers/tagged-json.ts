/**
 * The default {@link Serializer}: JSON with type tags.
 *
 * Payload = one format byte + JSON text:
 *
 * - `J` + plain JSON, when the value is JSON-like and JSON keeps it exactly (strings, finite
 *   numbers other than -0, booleans, null, arrays without holes or `undefined`, plain objects
 *   whose values are all of these). Decoded with a bare `JSON.parse`: no tag is ever interpreted,
 *   so a user object `{"$t":"Date"}` is just that object.
 * - `T` + tagged JSON otherwise. Every value JSON would lose is written as an object with a
 *   `$t` key: `{"$t":"u"}` undefined, `{"$t":"n","v":"NaN"|"Infinity"|"-Infinity"|"-0"}`,
 *   `{"$t":"big","v":"123"}`, `{"$t":"Date","v":ms|null}`, `{"$t":"Map","v":[[k,v]...]}`,
 *   `{"$t":"Set","v":[...]}`, `{"$t":"Buffer","v":base64}`, `{"$t":"<TypedArray name>","v":base64}`,
 *   `{"$t":"ArrayBuffer","v":base64}`, `{"$t":"DataView","v":base64}`, `{"$t":"RegExp","v":[src,flags]}`.
 *   Forgery is impossible: in this form every user object key that starts with `$` is written
 *   with one more `$` (`$t` -> `$$t`) and unescaped on decode, so only the encoder writes `$t`.
 *
 * Values JSON has no faithful form for follow JSON's rules: an object's own `toJSON()` is used,
 * other class instances become plain objects of their own enumerable properties, functions and
 * symbols are dropped from objects (`null` in arrays). A cycle or a top-level function/symbol
 * throws a TypeError. Typed arrays are stored as their bytes in the platform's byte order
 * (little-endian on every platform Node supports in practice).
 */
import { DecodeError } from '../core/errors.js';
import type { Serializer } from './serializer.js';

const PLAIN = 0x4a; // 'J'
const TAGGED = 0x54; // 'T'
/** Deeper than this, the plain-JSON check gives up and the tagged encoder (with cycle detection) runs. */
const PLAIN_MAX_DEPTH = 64;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TypedArrayConstructor = { new (buffer: ArrayBuffer): ArrayBufferView; readonly BYTES_PER_ELEMENT: number };

const TYPED_ARRAYS = new Map<string, TypedArrayConstructor>();
for (const name of [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]) {
  const ctor = (globalThis as Record<string, unknown>)[name];
  if (typeof ctor === 'function') TYPED_ARRAYS.set(name, ctor as unknown as TypedArrayConstructor);
}

// ---------------------------------------------------------------------------------------------
// encode

/** `true` when `JSON.stringify` then `JSON.parse` gives back exactly `value`. */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !(value === 0 && 1 / value < 0);
    case 'object': {
      if (value === null) return true;
      if (depth > PLAIN_MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || !isPlainJson(item, depth + 1)) return false; // holes read as undefined
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) return false; // inherited enumerable (null-proto chains)
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || key === 'toJSON' || !isPlainJson(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function bytesOf(view: ArrayBufferView | ArrayBuffer): string {
  return view instanceof ArrayBuffer
    ? Buffer.from(view).toString('base64')
    : Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/** Tagged form of `value`; `undefined` means "drop it" (functions and symbols inside objects). */
function tag(value: unknown, ancestors: Set<object>, inArray: boolean): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value === 0 && 1 / value < 0 ? { $t: 'n', v: '-0' } : value;
      return { $t: 'n', v: String(value) };
    case 'undefined':
      return { $t: 'u' };
    case 'bigint':
      return { $t: 'big', v: value.toString() };
    case 'function':
    case 'symbol':
      return inArray ? null : undefined;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) throw new TypeError('cannot serialize a value with a cycle (an object contains itself)');
  ancestors.add(object);
  try {
    return tagObject(object, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function tagObject(object: object, ancestors: Set<object>): Json {
  if (Array.isArray(object)) {
    const out: Json[] = new Array<Json>(object.length);
    for (let i = 0; i < object.length; i++) out[i] = tag(object[i], ancestors, true) as Json;
    return out;
  }
  if (object instanceof Date) {
    const time = object.getTime();
    return { $t: 'Date', v: Number.isNaN(time) ? null : time };
  }
  if (object instanceof Map) {
    const entries: Json[] = [];
    for (const [key, item] of object) entries.push([tag(key, ancestors, true) as Json, tag(item, ancestors, true) as Json]);
    return { $t: 'Map', v: entries };
  }
  if (object instanceof Set) {
    const items: Json[] = [];
    for (const item of object) items.push(tag(item, ancestors, true) as Json);
    return { $t: 'Set', v: items };
  }
  if (Buffer.isBuffer(object)) return { $t: 'Buffer', v: object.toString('base64') };
  if (ArrayBuffer.isView(object)) {
    const name = object instanceof DataView ? 'DataView' : typedArrayName(object);
    return { $t: name, v: bytesOf(object) };
  }
  if (object instanceof ArrayBuffer) return { $t: 'ArrayBuffer', v: bytesOf(object) };
  if (object instanceof RegExp) return { $t: 'RegExp', v: [object.source, object.flags] };
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return tag(toJSON.call(object), ancestors, true) as Json;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(object)) {
    const item = tag((object as Record<string, unknown>)[key], ancestors, false);
    if (item === undefined) continue;
    const escaped = key.charCodeAt(0) === 0x24 /* $ */ ? `$${key}` : key;
    if (escaped === '__proto__') Object.defineProperty(out, escaped, { value: item, enumerable: true, writable: true, configurable: true });
    else out[escaped] = item;
  }
  return out;
}

function typedArrayName(view: ArrayBufferView): string {
  for (const [name, ctor] of TYPED_ARRAYS) if (view instanceof (ctor as unknown as typeof Uint8Array)) return name;
  throw new TypeError(`cannot serialize a ${view.constructor?.name ?? 'typed array'}`);
}

/**
 * Encode a value. Plain JSON-like data is written as `J` + JSON; anything else as `T` + tagged JSON.
 *
 * @throws TypeError for a cycle, a top-level function or symbol
 */
export function encodeTagged(value: unknown): string {
  if (isPlainJson(value, 0)) return `J${JSON.stringify(value)}`;
  if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`cannot serialize a ${typeof value}`);
  return `T${JSON.stringify(tag(value, new Set(), true))}`;
}

// ---------------------------------------------------------------------------------------------
// decode

function fail(message: string): never {
  throw new DecodeError(message);
}

function base64(value: Json | undefined, what: string): Buffer {
  if (typeof value !== 'string') fail(`${what}: expected base64 text`);
  return Buffer.from(value, 'base64');
}

function untag(json: Json): unknown {
  if (typeof json !== 'object' || json === null) return json;
  if (Array.isArray(json)) {
    const out: unknown[] = new Array<unknown>(json.length);
    for (let i = 0; i < json.length; i++) out[i] = untag(json[i] as Json);
    return out;
  }
  if (Object.prototype.hasOwnProperty.call(json, '$t')) return untagSpecial(json);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(json)) {
    const value = untag(json[key] as Json);
    let name = key;
    if (key.charCodeAt(0) === 0x24) {
      if (key.charCodeAt(1) !== 0x24) fail(`unescaped key "${key}" in a tagged payload`);
      name = key.slice(1);
    }
    if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    else out[name] = value;
  }
  return out;
}

function untagSpecial(json: { [key: string]: Json }): unknown {
  const type = json['$t'];
  const v = json['v'];
  switch (type) {
    case 'u':
      return undefined;
    case 'n':
      switch (v) {
        case 'NaN':
          return NaN;
        case 'Infinity':
          return Infinity;
        case '-Infinity':
          return -Infinity;
        case '-0':
          return -0;
        default:
          return fail(`unknown number ${JSON.stringify(v)}`);
      }
    case 'big':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) fail('bad bigint');
      return BigInt(v);
    case 'Date':
      if (v !== null && typeof v !== 'number') fail('bad Date');
      return new Date(v === null ? NaN : v);
    case 'Map': {
      if (!Array.isArray(v)) fail('bad Map');
      const map = new Map<unknown, unknown>();
      for (const pair of v) {
        if (!Array.isArray(pair) || pair.length !== 2) fail('bad Map entry');
        map.set(untag(pair[0] as Json), untag(pair[1] as Json));
      }
      return map;
    }
    case 'Set': {
      if (!Array.isArray(v)) fail('bad Set');
      const set = new Set<unknown>();
      for (const item of v) set.add(untag(item));
      return set;
    }
    case 'Buffer':
      return base64(v, 'Buffer');
    case 'ArrayBuffer':
      return copyToArrayBuffer(base64(v, 'ArrayBuffer'));
    case 'DataView':
      return new DataView(copyToArrayBuffer(base64(v, 'DataView')));
    case 'RegExp':
      if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'string') fail('bad RegExp');
      return new RegExp(v[0], v[1]);
    default: {
      const ctor = typeof type === 'string' ? TYPED_ARRAYS.get(type) : undefined;
      if (!ctor) return fail(`unknown type tag ${JSON.stringify(type)}`);
      const bytes = base64(v, type as string);
      if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) fail(`${String(type)} of ${bytes.length} bytes`);
      return new ctor(copyToArrayBuffer(bytes));
    }
  }
}

function copyToArrayBuffer(bytes: Buffer): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/**
 * Decode a payload written by {@link encodeTagged}.
 *
 * @throws DecodeError for anything else (unknown format byte, invalid JSON, unknown tag)
 */
export function decodeTagged(payload: Buffer): unknown {
  if (payload.length === 0) fail('empty payload');
  const format = payload[0];
  if (format !== PLAIN && format !== TAGGED) fail(`unknown format byte 0x${(format ?? 0).toString(16).padStart(2, '0')}`);
  let json: Json;
  try {
    json = JSON.parse(payload.toString('utf8', 1)) as Json;
  } catch (error) {
    throw new DecodeError(`invalid JSON: ${(error as Error).message}`, error);
  }
  return format === PLAIN ? json : untag(json);
}

/** The default serializer: plain JSON when that is exact, tagged JSON otherwise (see the file comment). */
export const taggedJsonSerializer: Serializer = Object.freeze({
  encode: encodeTagged,
  decode: decodeTagged,
});
