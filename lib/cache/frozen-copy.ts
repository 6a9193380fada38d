/**
 * The deep-frozen copy that `immutability: 'freeze'` keeps of a value the application may still
 * hold (a method's result, a value given to `cache.set`): the original is never changed, so a
 * service can go on mutating its own state; later callers share the frozen copy, so a hit copies
 * nothing.
 *
 * - Plain objects (own enumerable string keys) and arrays (elements) are copied, with their
 *   prototype (Array subclasses too).
 * - An already frozen object whose contents need no copy is kept as it is: a value some cache
 *   already protected (another cached method's result) costs a walk, not a copy.
 * - Class instances and null-prototype objects: a new object with the same prototype and the
 *   same own properties (data values copied in turn). State that own properties do not hold
 *   (`#private` fields, a host object's internal slots) cannot be copied.
 * - Date, RegExp, URL, URLSearchParams, ArrayBuffer, typed arrays, DataView, Map and Set are
 *   copied into the snapshot, and copied again for each reader (see `mutable-parts.ts`). A Map's
 *   keys stay the application's objects: a Map is looked up by its keys' identity.
 * - Promise, WeakMap, WeakSet, WeakRef and FinalizationRegistry cannot be copied; they are shared.
 */
import { CopyOnRead, copyLeaf, isCopiedLeaf } from './mutable-parts.js';

/** Nesting the first, bookkeeping-free pass accepts before assuming a cycle. */
const FAST_COPY_DEPTH = 32;
const TOO_DEEP = Symbol('too deep');
const isArray = Array.isArray;
const isFrozen = Object.isFrozen;
const getPrototypeOf = Object.getPrototypeOf;
const freeze = Object.freeze;

/** Set while copying when the copy holds parts each reader must copy again. */
let sawMutableParts = false;

/**
 * The form `'freeze'` stores for `value`: a deep-frozen copy (or `value` itself when it is a
 * primitive or already deeply frozen), boxed in a {@link CopyOnRead} when it holds parts that
 * freezing cannot protect.
 */
export function storeFrozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  let copy: object;
  sawMutableParts = false;
  try {
    copy = copyOf(value, null, 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    sawMutableParts = false;
    copy = copyOf(value, new Map(), 0);
  }
  return sawMutableParts ? new CopyOnRead(copy) : copy;
}

/**
 * A frozen copy of `value`, or `value` when it may be shared as it is. Most values are small
 * acyclic trees: the first pass keeps no map of visited objects (`memo` null) and shares frozen
 * parts; only a structure deeper than {@link FAST_COPY_DEPTH} (a cycle gets there at once) is
 * copied again with one, wholly.
 */
function copyOf(value: object, memo: Map<object, object> | null, depth: number): object {
  if (memo === null) {
    if (depth > FAST_COPY_DEPTH) throw TOO_DEEP;
  } else {
    const known = memo.get(value);
    if (known !== undefined) return known;
  }
  // Arrays first, by Array.isArray: Object.getPrototypeOf is a trip into the runtime wherever the
  // compiler cannot tell the prototype from the object's shape.
  if (isArray(value)) return copyArray(value as unknown[], memo, depth);
  if (getPrototypeOf(value) === Object.prototype) return copyPlain(value as Record<string, unknown>, memo, depth);
  return copyOther(value, memo, depth);
}

function copyArray(list: unknown[], memo: Map<object, object> | null, depth: number): object {
  const length = list.length;
  // Shared when frozen and nothing in it needs a copy: until a child is copied, none is made.
  let copy = memo === null && isFrozen(list) ? undefined : newArrayLike(list, length);
  if (memo !== null) memo.set(list, copy as unknown[]);
  for (let i = 0; i < length; i++) {
    const child = list[i];
    const value = typeof child === 'object' && child !== null ? copyOf(child, memo, depth + 1) : child;
    if (copy === undefined) {
      if (value === child) continue;
      copy = newArrayLike(list, length);
    }
    if (value !== child) copy[i] = value;
  }
  return copy === undefined ? list : freeze(copy);
}

/** Above this length, `new Array(length)` may give a slow dictionary-mode array. */
const PREALLOCATED_MAX = 4096;

/**
 * A copy of `list`'s elements with its prototype; properties of the array other than its elements
 * are not copied. A plain array is sliced: exactly sized (an array grown by push from `[]` keeps
 * room for 17 elements, which a cache of many small records pays per entry), sharing the
 * copy-on-write elements of a literal, keeping holes. An Array subclass is not sliced (slice would
 * construct it through its constructor): its elements are assigned one by one, holes becoming
 * `undefined`.
 */
function newArrayLike(list: unknown[], length: number): unknown[] {
  if (list.constructor === Array) return list.slice();
  const copy: unknown[] = length <= PREALLOCATED_MAX ? new Array(length) : [];
  for (let i = 0; i < length; i++) copy[i] = list[i];
  return Object.setPrototypeOf(copy, getPrototypeOf(list)) as unknown[];
}

function copyPlain(source: Record<string, unknown>, memo: Map<object, object> | null, depth: number): object {
  // Built key by key into a literal: V8 then reuses one shape and its frozen form for every copy of
  // a given shape (a spread copy has no cached frozen form: freezing it costs ten times more).
  let copy: Record<string, unknown> | undefined = memo === null && isFrozen(source) ? undefined : {};
  if (memo !== null) memo.set(source, copy as object);
  // for-in uses V8's enum cache: no key array per object (plain objects inherit nothing enumerable).
  for (const key in source) {
    const child = source[key];
    const value = typeof child === 'object' && child !== null ? copyOf(child, memo, depth + 1) : child;
    if (copy === undefined) {
      if (value === child) continue;
      copy = {};
      for (const earlier in source) {
        if (earlier === key) break;
        setOwn(copy, earlier, source[earlier]);
      }
    }
    setOwn(copy, key, value);
  }
  return copy === undefined ? source : freeze(copy);
}

/** `copy[key] = value`, except that a key `__proto__` (JSON.parse makes those) stays a property. */
function setOwn(copy: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  else copy[key] = value;
}

function copyOther(value: object, memo: Map<object, object> | null, depth: number): object {
  if (isCopiedLeaf(value)) {
    sawMutableParts = true;
    return copyLeaf(value);
  }
  if (value instanceof Map) {
    sawMutableParts = true;
    const copy = new Map<unknown, unknown>();
    memo?.set(value, copy);
    for (const [k, v] of value) copy.set(k, typeof v === 'object' && v !== null ? copyOf(v, memo, depth + 1) : v);
    return copy;
  }
  if (value instanceof Set) {
    sawMutableParts = true;
    const copy = new Set<unknown>();
    memo?.set(value, copy);
    for (const v of value) copy.add(typeof v === 'object' && v !== null ? copyOf(v, memo, depth + 1) : v);
    return copy;
  }
  if (isUncopyable(value)) return value;
  // Class instances, null-prototype objects, errors: the same prototype and own properties.
  const descriptors = Object.getOwnPropertyDescriptors(value) as Record<PropertyKey, PropertyDescriptor>;
  let copy = memo === null && isFrozen(value) ? undefined : (Object.create(getPrototypeOf(value)) as object);
  if (memo !== null) memo.set(value, copy as object);
  for (const key of Reflect.ownKeys(descriptors)) {
    const descriptor = descriptors[key] as PropertyDescriptor;
    const child: unknown = descriptor.value;
    if (typeof child !== 'object' || child === null) continue;
    const copied = copyOf(child, memo, depth + 1);
    if (copied !== child) {
      descriptor.value = copied;
      copy ??= Object.create(getPrototypeOf(value)) as object;
    }
  }
  if (copy === undefined) return value;
  return freeze(Object.defineProperties(copy, descriptors));
}

function isUncopyable(value: object): boolean {
  return (
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    (typeof WeakRef === 'function' && value instanceof WeakRef) ||
    (typeof FinalizationRegistry === 'function' && value instanceof FinalizationRegistry)
  );
}
