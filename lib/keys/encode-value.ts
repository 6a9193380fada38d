/**
 * The recursive, single-pass encoder of ONE value into the canonical grammar described at the top
 * of `encode-args.ts`. Hot path: primitives, plain objects, arrays and Dates are dispatched on
 * `typeof` and on the exact prototype without allocating; every other kind of object takes the
 * slower, exhaustive path in {@link encodeExotic}.
 *
 * Cycles without a per-call ancestor stack: the first pass only counts depth and gives up past
 * {@link FAST_DEPTH} levels (a cycle gets there at once; real data almost never does). Only then
 * does a second pass run with an ancestor stack, which names the cycle or, for genuinely deep
 * data, encodes it up to {@link MAX_KEY_DEPTH}. No module state, so a getter may call a cached
 * method (re-entering the encoder) safely.
 */
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { KeyProblem, withSegment } from './key-problem.js';

/** Nesting the first, stack-free pass accepts before checking for a cycle. */
export const FAST_DEPTH = 64;

/** Deeper nesting than this is reported as a key error instead of overflowing the call stack. */
export const MAX_KEY_DEPTH = 500;

const getPrototypeOf = Object.getPrototypeOf;
const objectKeys = Object.keys;
const isArray = Array.isArray;
const OBJECT_PROTO: object = Object.prototype;
const ARRAY_PROTO: object = Array.prototype;
const DATE_PROTO: object = Date.prototype;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `cycleTarget` of the internal problem that ends the first pass (caught in encodeRoot). */
const TOO_DEEP_FOR_FAST_PASS = -2;

/** The objects being encoded, outermost first (second pass), or `null` (first pass). */
type Ancestors = object[] | null;

/**
 * Encodes one object argument.
 *
 * @param value - the argument
 * @returns its canonical encoding
 * @throws KeyProblem - when something inside cannot be encoded (never the first pass's
 *   internal too-deep signal: that one starts the second pass)
 */
export function encodeRoot(value: object): string {
  try {
    return encodeObject(value, 0, null);
  } catch (err) {
    if (!(err instanceof KeyProblem) || err.cycleTarget !== TOO_DEEP_FOR_FAST_PASS) throw err;
  }
  return encodeObject(value, 0, []);
}

/**
 * Encodes any value (the recursive step); containers pass `depth + 1` and their `stack`.
 *
 * @param value - the value
 * @param depth - how many containers enclose it
 * @param stack - the enclosing objects (second pass) or `null` (first pass)
 * @returns its canonical encoding
 */
export function encodeValue(value: unknown, depth: number, stack: Ancestors): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return encodeNumber(value);
    case 'object':
      return value === null ? 'null' : encodeObject(value, depth, stack);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      throw new KeyProblem('is a symbol');
    default:
      throw new KeyProblem('is a function');
  }
}

/**
 * A number: its shortest round-trip decimal form (`NaN`, `Infinity` and `-Infinity` included),
 * with `-0` kept apart from `0`.
 *
 * @param n - the number
 * @returns its encoding
 */
export function encodeNumber(n: number): string {
  return n === 0 ? (1 / n < 0 ? '-0' : '0') : '' + n;
}

/**
 * A string as JSON writes it. Most strings need no escaping and are only scanned; the others
 * (quotes, backslashes, control characters, surrogates) go through `JSON.stringify`, which also
 * escapes lone surrogates so the key survives UTF-8 (Redis) without two strings merging.
 *
 * @param s - the string
 * @returns `"s"`, escaped where needed
 */
export function quote(s: string): string {
  const n = s.length;
  if (n > 32) return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      return JSON.stringify(s);
    }
  }
  return '"' + s + '"';
}

/**
 * A property name or class name: bare when it is made of `[A-Za-z0-9_$]` only, quoted otherwise.
 *
 * @param name - the name
 * @returns its encoding, which never contains a delimiter unless quoted
 */
function encodeName(name: string): string {
  const n = name.length;
  if (n === 0) return '""';
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    // 0-9, A-Z, a-z, _ and $
    if (
      !(
        (c >= 0x61 && c <= 0x7a) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x30 && c <= 0x39) ||
        c === 0x5f ||
        c === 0x24
      )
    ) {
      return quote(name);
    }
  }
  return name;
}

function encodeObject(o: object, depth: number, stack: Ancestors): string {
  if (isArray(o)) {
    // The length read before the prototype lets the optimizing compiler see which array shapes
    // arrive here; when they all share Array.prototype, the prototype read becomes a constant
    // instead of a call into the runtime. (Any other array still gets its real prototype.)
    const n = (o as readonly unknown[]).length;
    if (getPrototypeOf(o) === ARRAY_PROTO) return encodeArray(o as readonly unknown[], n, depth, stack);
  }
  const proto: unknown = getPrototypeOf(o);
  if (proto === OBJECT_PROTO || proto === null) return encodeProperties(o, '{', depth, stack);
  if (proto === DATE_PROTO) return encodeDate(o as Date);
  return encodeExotic(o, proto as object, depth, stack);
}

/**
 * Before encoding the members of container `o` at `depth`: first pass, give up when too deep;
 * second pass, refuse a cycle or runaway depth and push `o`.
 */
function enter(o: object, depth: number, stack: Ancestors): void {
  if (stack === null) {
    if (depth >= FAST_DEPTH) throw new KeyProblem('', TOO_DEEP_FOR_FAST_PASS);
    return;
  }
  const i = stack.indexOf(o);
  if (i !== -1) throw new KeyProblem('', i);
  if (depth >= MAX_KEY_DEPTH) {
    throw new KeyProblem(`is nested more than ${MAX_KEY_DEPTH} levels deep`);
  }
  stack.push(o);
}

function leave(stack: Ancestors): void {
  if (stack !== null) stack.pop();
}

/** Array `a` of length `n`. */
function encodeArray(a: readonly unknown[], n: number, depth: number, stack: Ancestors): string {
  if (n === 0) return '[]';
  enter(a, depth, stack);
  let out = '[';
  let i = 0;
  try {
    for (; i < n; i++) {
      const e = a[i];
      if (i !== 0) out += ',';
      out += e === undefined && !(i in a) ? '~' : encodeValue(e, depth + 1, stack);
    }
  } catch (err) {
    throw withSegment(err, i);
  }
  leave(stack);
  return out + ']';
}

/** Own enumerable string-keyed properties, sorted by key (UTF-16 code units). */
function encodeProperties(o: object, open: string, depth: number, stack: Ancestors): string {
  const keys = objectKeys(o);
  const n = keys.length;
  if (n === 0) return open === '{' ? '{}' : open + '}';
  if (n > 1) sortKeys(keys);
  enter(o, depth, stack);
  let out = open;
  let i = 0;
  try {
    for (; i < n; i++) {
      const k = keys[i] as string;
      if (i !== 0) out += ',';
      out += encodeName(k) + ':' + encodeValue((o as Record<string, unknown>)[k], depth + 1, stack);
    }
  } catch (err) {
    throw withSegment(err, keys[i] as string);
  }
  leave(stack);
  return out + '}';
}

/** Sorts distinct strings by code unit; usually they already are, or are few. */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  let i = 1;
  while (i < n && (keys[i - 1] as string) < (keys[i] as string)) i++;
  if (i === n) return;
  if (n > 16) {
    keys.sort();
    return;
  }
  for (; i < n; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
}

function encodeDate(d: Date): string {
  const t = d.getTime();
  return t === t ? `Date(${d.toISOString()})` : 'Date(NaN)';
}

function encodeMap(m: ReadonlyMap<unknown, unknown>, depth: number, stack: Ancestors): string {
  if (m.size === 0) return 'Map{}';
  enter(m, depth, stack);
  const entries: string[] = [];
  let i = 0;
  let keyCode: string | undefined;
  try {
    for (const [k, v] of m) {
      keyCode = undefined;
      keyCode = encodeValue(k, depth + 1, stack);
      entries.push(keyCode + '=>' + encodeValue(v, depth + 1, stack));
      i++;
    }
  } catch (err) {
    throw withSegment(err, keyCode === undefined ? `.keys()[${i}]` : `.get(${keyCode})`, true);
  }
  leave(stack);
  return 'Map{' + entries.sort().join(',') + '}';
}

function encodeSet(s: ReadonlySet<unknown>, depth: number, stack: Ancestors): string {
  if (s.size === 0) return 'Set{}';
  enter(s, depth, stack);
  const members: string[] = [];
  let i = 0;
  try {
    for (const v of s) {
      members.push(encodeValue(v, depth + 1, stack));
      i++;
    }
  } catch (err) {
    throw withSegment(err, `.values()[${i}]`, true);
  }
  leave(stack);
  return 'Set{' + members.sort().join(',') + '}';
}

function hex(buffer: ArrayBufferLike, offset: number, length: number): string {
  return Buffer.from(buffer, offset, length).toString('hex');
}

/** The `name` of `proto.constructor`, `''` when there is none. */
function constructorName(proto: object): string {
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return '';
  const name: unknown = (ctor as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

/** `Error`, `TypeError`...: what to call an unencodable kind in a message. */
function article(kind: string): string {
  return /^[aeiou]/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/**
 * Everything that is not a plain object, a plain array or a plain Date: built-ins by content,
 * their subclasses wrapped in `@Name(...)`, other objects as `@Name{props}`, and the kinds that
 * hold no encodable content (weak collections, promises, errors, iterators) refused.
 */
function encodeExotic(o: object, proto: object, depth: number, stack: Ancestors): string {
  const name = constructorName(proto);
  let builtin: string;
  let body: string;
  if (isArray(o)) {
    builtin = 'Array';
    body = encodeArray(o, o.length, depth, stack);
  } else if (types.isDate(o)) {
    builtin = 'Date';
    body = encodeDate(o);
  } else if (types.isMap(o)) {
    builtin = 'Map';
    body = encodeMap(o, depth, stack);
  } else if (types.isSet(o)) {
    builtin = 'Set';
    body = encodeSet(o, depth, stack);
  } else if (Buffer.isBuffer(o)) {
    builtin = 'Buffer';
    body = `Buffer(${o.toString('hex')})`;
  } else if (types.isTypedArray(o)) {
    builtin = o[Symbol.toStringTag];
    body = `${builtin}(${hex(o.buffer, o.byteOffset, o.byteLength)})`;
  } else if (types.isDataView(o)) {
    builtin = 'DataView';
    body = `DataView(${hex(o.buffer, o.byteOffset, o.byteLength)})`;
  } else if (types.isArrayBuffer(o) || types.isSharedArrayBuffer(o)) {
    builtin = types.isArrayBuffer(o) ? 'ArrayBuffer' : 'SharedArrayBuffer';
    body = `${builtin}(${hex(o, 0, o.byteLength)})`;
  } else if (types.isRegExp(o)) {
    builtin = 'RegExp';
    body = `RegExp(${quote(o.source)},${quote(o.flags)})`;
  } else if (types.isBoxedPrimitive(o)) {
    if (types.isNumberObject(o)) {
      builtin = 'Number';
      body = `Number(${encodeNumber(Number.prototype.valueOf.call(o))})`;
    } else if (types.isStringObject(o)) {
      builtin = 'String';
      body = `String(${quote(String.prototype.valueOf.call(o))})`;
    } else if (types.isBooleanObject(o)) {
      builtin = 'Boolean';
      body = `Boolean(${Boolean.prototype.valueOf.call(o) ? 'true' : 'false'})`;
    } else if (types.isBigIntObject(o)) {
      builtin = 'BigInt';
      body = `BigInt(${BigInt.prototype.valueOf.call(o)}n)`;
    } else {
      throw new KeyProblem('is a boxed symbol');
    }
  } else if (o instanceof URL) {
    builtin = 'URL';
    body = `URL(${quote(o.href)})`;
  } else if (o instanceof URLSearchParams) {
    builtin = 'URLSearchParams';
    body = `URLSearchParams(${quote(o.toString())})`;
  } else {
    const refused = unencodableKind(o);
    if (refused !== undefined) throw new KeyProblem(`is ${article(refused)}`);
    // A plain object from another realm (vm context) is still a plain object.
    if (name === 'Object' && getPrototypeOf(proto) === null) return encodeProperties(o, '{', depth, stack);
    return encodeProperties(o, '@' + encodeName(name) + '{', depth, stack);
  }
  return name === builtin ? body : '@' + encodeName(name) + '(' + body + ')';
}

/** The kinds whose content lives out of reach (internal slots, pending state): refused. */
function unencodableKind(o: object): string | undefined {
  if (types.isWeakMap(o)) return 'WeakMap';
  if (types.isWeakSet(o)) return 'WeakSet';
  if (typeof WeakRef === 'function' && o instanceof WeakRef) return 'WeakRef';
  if (typeof FinalizationRegistry === 'function' && o instanceof FinalizationRegistry) {
    return 'FinalizationRegistry';
  }
  if (types.isPromise(o)) return 'Promise';
  if (types.isNativeError(o) || o instanceof Error) return 'Error';
  if (types.isGeneratorObject(o)) return 'generator';
  if (types.isMapIterator(o) || types.isSetIterator(o)) return 'iterator';
  const tag: unknown = (o as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === 'string' && tag.endsWith('Iterator')) return 'iterator';
  return undefined;
}
