/**
 * The recursive, single-pass encoder of ONE value into the canonical grammar described at the top
 * of `encode-args.ts`. Hot path: primitives, plain objects, arrays and Dates are dispatched on
 * `typeof` and on the exact prototype; every other kind of object takes the slower, exhaustive
 * path in {@link encodeExotic}. Plain objects pay one property-count comparison for what the
 * encoder would not see (symbol keys, non-enumerable properties).
 *
 * Cycles without a per-call ancestor stack: the first pass only counts depth and gives up past
 * {@link FAST_DEPTH} levels (a cycle gets there at once; real data almost never does). Only then
 * does a second pass run with an ancestor stack, which names the cycle or, for genuinely deep
 * data, encodes it up to {@link MAX_KEY_DEPTH}. No module state, so a getter may call a cached
 * method (re-entering the encoder) safely.
 */
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { cacheKey as CACHE_KEY } from './cache-key.js';
import { classDigest } from './class-tag.js';
import { KeyProblem, withSegment } from './key-problem.js';

/** Nesting the first, stack-free pass accepts before checking for a cycle. */
export const FAST_DEPTH = 64;

/** Deeper nesting than this is reported as a key error instead of overflowing the call stack. */
export const MAX_KEY_DEPTH = 500;

const getPrototypeOf = Object.getPrototypeOf;
const objectKeys = Object.keys;
const ownKeys = Reflect.ownKeys;
const ownNames = Object.getOwnPropertyNames;
const ownSymbols = Object.getOwnPropertySymbols;
const hasOwn = Object.hasOwn;
const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;
const isArray = Array.isArray;
const OBJECT_PROTO: object = Object.prototype;
const ARRAY_PROTO: object = Array.prototype;
const DATE_PROTO: object = Date.prototype;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The path segment of what an object's `[cacheKey]()` returned, in messages. */
const KEYED_SEGMENT = '[cacheKey]()';
/** The tag of a plain object keyed by its own `[cacheKey]()` (a class's tag has a name after `@`). */
const PLAIN_TAG = '@';
const CLASS_ADVICE =
  "Give @Cacheable a `key` function, or define a `[cacheKey]()` method on the class (`import { cacheKey } from 'cacheflight'`) that returns what identifies an instance.";
const PLAIN_ADVICE =
  "Give @Cacheable a `key` function, pass plain data, or give the object a `[cacheKey]()` method (`import { cacheKey } from 'cacheflight'`) that returns what identifies it.";

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
  if (proto === OBJECT_PROTO || proto === null) return encodeProperties(o, depth, stack);
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

/**
 * A plain object: its own enumerable string-keyed properties, sorted by key (UTF-16 code units).
 * An own symbol-keyed or non-enumerable property would not be seen, so an object that has one is
 * refused (or keyed by its own `[cacheKey]()`): one count comparison here, the diagnosis apart.
 */
function encodeProperties(o: object, depth: number, stack: Ancestors): string {
  const keys = objectKeys(o);
  const n = keys.length;
  if (ownNames(o).length !== n || ownSymbols(o).length !== 0) return encodeUnseenProperties(o, depth, stack);
  if (n === 0) return '{}';
  if (n > 1) sortKeys(keys);
  enter(o, depth, stack);
  let out = '{';
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

/** A plain object with own properties the encoder does not see: keyed by its own `[cacheKey]()`, or refused. */
function encodeUnseenProperties(o: object, depth: number, stack: Ancestors): string {
  if (hasOwn(o, CACHE_KEY)) {
    const method: unknown = (o as Record<symbol, unknown>)[CACHE_KEY];
    if (typeof method !== 'function') throw new KeyProblem('has a [cacheKey] property that is not a method', -1, PLAIN_ADVICE);
    return encodeKeyed(o, method, PLAIN_TAG, depth, stack);
  }
  for (const k of ownKeys(o)) {
    if (typeof k === 'symbol') {
      throw new KeyProblem(`has a symbol-keyed property [${String(k)}], which keys cannot see`, -1, PLAIN_ADVICE);
    }
  }
  for (const k of ownKeys(o)) {
    if (!propertyIsEnumerable.call(o, k)) {
      throw new KeyProblem(`has a non-enumerable property ${JSON.stringify(k)}, which keys cannot see`, -1, PLAIN_ADVICE);
    }
  }
  // The property list changed between the two reads (a Proxy can do that): nothing reliable to encode.
  throw new KeyProblem('changed its properties while being encoded');
}

/**
 * An object keyed by its `[cacheKey]()`: `tag(encoding of the result)`. The object counts as a
 * container, so a result that refers back to it is a cycle.
 */
function encodeKeyed(o: object, method: Function, tag: string, depth: number, stack: Ancestors): string {
  enter(o, depth, stack);
  let id: unknown;
  let out = '';
  try {
    id = method.call(o);
    if (id !== o) out = tag + '(' + encodeValue(id, depth + 1, stack) + ')';
  } catch (err) {
    throw withSegment(err, KEYED_SEGMENT, true);
  }
  if (id === o) {
    throw new KeyProblem('has a [cacheKey]() that returns the object itself; it must return the data that identifies it');
  }
  leave(stack);
  return out;
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

/** `%TypedArray%.prototype[Symbol.toStringTag]`: the kind of a typed array, from its internal slot. */
const typedArrayTag = Object.getOwnPropertyDescriptor(
  getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => string;

/** The built-ins encoded by content: the prototype of each, in this realm, and its name. */
const BUILTIN_PROTOTYPES = new Map<unknown, string>(
  [
    Array, Date, Map, Set, DataView, ArrayBuffer, SharedArrayBuffer, RegExp, Number, String, Boolean,
    BigInt, Symbol, URL, URLSearchParams, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array,
    Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  ].map((ctor) => [ctor.prototype, ctor.name] as const),
).set(Buffer.prototype, 'Buffer');

const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;
const fnToString = Function.prototype.toString;

/** Which built-in's content `o` holds (from its internal slots, not its prototype), if any. */
function contentKind(o: object): string | undefined {
  if (isArray(o)) return 'Array';
  if (types.isDate(o)) return 'Date';
  if (types.isMap(o)) return 'Map';
  if (types.isSet(o)) return 'Set';
  if (types.isTypedArray(o)) return Buffer.isBuffer(o) ? 'Buffer' : typedArrayTag.call(o);
  if (types.isDataView(o)) return 'DataView';
  if (types.isArrayBuffer(o)) return 'ArrayBuffer';
  if (types.isSharedArrayBuffer(o)) return 'SharedArrayBuffer';
  if (types.isRegExp(o)) return 'RegExp';
  if (types.isBoxedPrimitive(o)) {
    if (types.isNumberObject(o)) return 'Number';
    if (types.isStringObject(o)) return 'String';
    if (types.isBooleanObject(o)) return 'Boolean';
    if (types.isBigIntObject(o)) return 'BigInt';
    return 'Symbol';
  }
  if (o instanceof URL) return 'URL';
  if (o instanceof URLSearchParams) return 'URLSearchParams';
  return undefined;
}

/**
 * Whether `proto` is the prototype of built-in `kind` itself (of this realm or another), rather
 * than of a subclass or of a class that merely has the same name.
 */
function isBuiltinPrototype(proto: object, kind: string): boolean {
  const known = BUILTIN_PROTOTYPES.get(proto);
  if (known !== undefined) return known === kind;
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  return (
    typeof ctor === 'function' &&
    (ctor as { prototype?: unknown }).prototype === proto &&
    ctor.name === kind &&
    NATIVE_SOURCE.test(fnToString.call(ctor))
  );
}

/** The content of an exact built-in of kind `kind`. */
function encodeContent(o: object, kind: string, depth: number, stack: Ancestors): string {
  switch (kind) {
    case 'Array':
      return encodeArray(o as readonly unknown[], (o as readonly unknown[]).length, depth, stack);
    case 'Date':
      return encodeDate(o as Date);
    case 'Map':
      return encodeMap(o as ReadonlyMap<unknown, unknown>, depth, stack);
    case 'Set':
      return encodeSet(o as ReadonlySet<unknown>, depth, stack);
    case 'Buffer':
      return `Buffer(${(o as Buffer).toString('hex')})`;
    case 'DataView': {
      const v = o as DataView;
      return `DataView(${hex(v.buffer, v.byteOffset, v.byteLength)})`;
    }
    case 'ArrayBuffer':
    case 'SharedArrayBuffer':
      return `${kind}(${hex(o as ArrayBufferLike, 0, (o as ArrayBufferLike).byteLength)})`;
    case 'RegExp':
      return `RegExp(${quote((o as RegExp).source)},${quote((o as RegExp).flags)})`;
    case 'Number':
      return `Number(${encodeNumber(Number.prototype.valueOf.call(o))})`;
    case 'String':
      return `String(${quote(String.prototype.valueOf.call(o))})`;
    case 'Boolean':
      return `Boolean(${Boolean.prototype.valueOf.call(o) ? 'true' : 'false'})`;
    case 'BigInt':
      return `BigInt(${BigInt.prototype.valueOf.call(o)}n)`;
    case 'Symbol':
      throw new KeyProblem('is a boxed symbol');
    case 'URL':
      return `URL(${quote((o as URL).href)})`;
    case 'URLSearchParams':
      return `URLSearchParams(${quote((o as URLSearchParams).toString())})`;
    default: {
      const v = o as Uint8Array;
      return `${kind}(${hex(v.buffer, v.byteOffset, v.byteLength)})`;
    }
  }
}

/** `proto.constructor` when `proto` is that constructor's `prototype` (an instance's class). */
function classOf(proto: object): Function | undefined {
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && (ctor as { prototype?: unknown }).prototype === proto ? ctor : undefined;
}

/** A class's name as `Function#name` has it, `''` when it is not a string. */
function nameOf(ctor: Function): string {
  const name: unknown = ctor.name;
  return typeof name === 'string' ? name : '';
}

/** `@Name~digest`: the class of an instance keyed by its `[cacheKey]()`. */
function classTag(proto: object): string {
  const ctor = classOf(proto);
  if (ctor === undefined) {
    throw new KeyProblem(
      "has a [cacheKey]() but its prototype is not a class's prototype (Object.create?), so keys cannot tell it apart from another prototype's",
    );
  }
  return '@' + encodeName(nameOf(ctor)) + '~' + classDigest(ctor);
}

/** `Error`, `TypeError`...: what to call an unencodable kind in a message. */
function article(kind: string): string {
  return /^[aeiou]/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Why an object that is neither plain, nor a built-in, nor keyed by `[cacheKey]()` is refused. */
function refusal(o: object, proto: object, kind: string | undefined): KeyProblem {
  const refused = unencodableKind(o);
  if (refused !== undefined) return new KeyProblem(`is ${article(refused)}`);
  const ctor = classOf(proto);
  if (ctor === undefined) {
    return new KeyProblem(
      "is an object whose prototype is neither Object.prototype nor a class's prototype: keys cannot tell prototypes apart",
      -1,
      PLAIN_ADVICE,
    );
  }
  const name = nameOf(ctor);
  const subclass = kind === undefined ? '' : ` (a subclass of ${kind})`;
  return new KeyProblem(
    `is an instance of class ${name === '' ? '(anonymous)' : name}${subclass}: the encoder cannot see #private state or tell what identifies an instance`,
    -1,
    CLASS_ADVICE,
  );
}

/**
 * Everything that is not a plain object, a plain array or a plain Date of this realm: built-ins
 * (of any realm) by content, plain objects of another realm by properties, objects whose class
 * (or the object itself) defines `[cacheKey]()` by its result, and the rest refused: class
 * instances, subclasses of built-ins and other prototypes could hold state the encoder cannot see.
 */
function encodeExotic(o: object, proto: object, depth: number, stack: Ancestors): string {
  const kind = contentKind(o);
  if (kind !== undefined && isBuiltinPrototype(proto, kind)) return encodeContent(o, kind, depth, stack);
  // A plain object from another realm (vm context) is still a plain object.
  if (kind === undefined && getPrototypeOf(proto) === null && isBuiltinPrototype(proto, 'Object')) {
    return encodeProperties(o, depth, stack);
  }
  const method: unknown = (o as Record<symbol, unknown>)[CACHE_KEY];
  if (typeof method === 'function') return encodeKeyed(o, method, classTag(proto), depth, stack);
  throw refusal(o, proto, kind);
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
