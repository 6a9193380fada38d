/**
 * Protection of shared values, so that a caller mutating what it received cannot change what the
 * next caller receives: values kept by in-process stores, and values that the callers joined on
 * one load (or one store read) share, whatever the store.
 *
 * - `'freeze'` (default): the value is deep-frozen in place when stored (no cost on a hit).
 *   JavaScript cannot freeze the contents of a Map, Set, Date, typed array or ArrayBuffer; a
 *   value containing one is stored as a frozen snapshot and each hit gets a copy of those parts
 *   (the frozen rest is shared).
 * - `'clone'`: `structuredClone` on store and on every hit (prototypes are not kept).
 * - `'none'`: references are shared; the fastest, for callers that never mutate results.
 */
export type Immutability = 'freeze' | 'clone' | 'none';

/** A stored snapshot whose mutable parts must be copied on every read. */
export class CopyOnRead {
  /** @param snapshot - a frozen copy whose Map/Set/Date/binary parts are copied per read */
  constructor(readonly snapshot: unknown) {}
}

/**
 * Prepare `value` for storing in a store that shares references.
 *
 * @returns what to store: `value` itself (now frozen), a {@link CopyOnRead} box, or a clone
 */
export function protectForStore(value: unknown, mode: Immutability): unknown {
  return protectorFor(mode)(value);
}

/**
 * {@link protectForStore} for one mode, picked once: a cache holds on to it rather than
 * comparing the mode's name on every load.
 */
export function protectorFor(mode: Immutability): (value: unknown) => unknown {
  return mode === 'freeze' ? freezeForStore : mode === 'clone' ? cloneForStore : keepAsIs;
}

function freezeForStore(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const hasMutableParts = freezeAll(value);
  return hasMutableParts ? new CopyOnRead(copyMutableParts(value, new Map())) : value;
}

function cloneForStore(value: unknown): unknown {
  return typeof value !== 'object' || value === null ? value : new CopyOnRead(structuredClone(value));
}

function keepAsIs(value: unknown): unknown {
  return value;
}

/** Turn what a store returned into what a caller receives. */
export function readStored(stored: unknown, mode: Immutability): unknown {
  if (!(stored instanceof CopyOnRead)) return stored;
  return mode === 'clone' ? structuredClone(stored.snapshot) : copyMutableParts(stored.snapshot, new Map());
}

/** Nesting the first, bookkeeping-free freezing pass accepts before assuming a cycle. */
const FAST_FREEZE_DEPTH = 32;
const TOO_DEEP = Symbol('too deep');
const isArray = Array.isArray;
const getPrototypeOf = Object.getPrototypeOf;
const freeze = Object.freeze;

/**
 * Deep-freeze `value`; answer whether it holds parts freezing cannot protect. Most values are
 * small acyclic trees: the first pass keeps no set of visited objects; only a structure deeper
 * than {@link FAST_FREEZE_DEPTH} (a cycle gets there at once) is walked again with one.
 */
function freezeAll(value: object): boolean {
  try {
    return deepFreeze(value, null, 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    return deepFreeze(value, new Set(), 0);
  }
}

function deepFreeze(value: object, seen: Set<object> | null, depth: number): boolean {
  if (seen === null) {
    if (depth > FAST_FREEZE_DEPTH) throw TOO_DEEP;
  } else {
    if (seen.has(value)) return false;
    seen.add(value);
  }
  let mutable = false;
  // Arrays first, by Array.isArray: Object.getPrototypeOf is a trip into the runtime wherever the
  // compiler cannot tell the prototype from the object's shape.
  if (isArray(value)) {
    // Elements only: other properties of an array (or of an Array subclass) are frozen but not walked into.
    const list = value as readonly unknown[];
    for (let i = 0; i < list.length; i++) {
      const child = list[i];
      if (typeof child === 'object' && child !== null && deepFreeze(child, seen, depth + 1)) mutable = true;
    }
    freeze(value);
    return mutable;
  }
  if (getPrototypeOf(value) === Object.prototype) {
    // for-in uses V8's enum cache: no key array per object (plain objects inherit nothing enumerable).
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && deepFreeze(child, seen, depth + 1)) mutable = true;
    }
    freeze(value);
    return mutable;
  }
  // Built-ins whose contents freezing cannot reach, and class instances (own keys only).
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true; // cannot be frozen
  mutable = value instanceof Date;
  if (value instanceof Map) {
    mutable = true;
    for (const [k, v] of value) {
      if (typeof k === 'object' && k !== null) deepFreeze(k, seen, depth + 1);
      if (typeof v === 'object' && v !== null) deepFreeze(v, seen, depth + 1);
    }
  } else if (value instanceof Set) {
    mutable = true;
    for (const v of value) if (typeof v === 'object' && v !== null) deepFreeze(v, seen, depth + 1);
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && deepFreeze(child, seen, depth + 1)) mutable = true;
  }
  freeze(value);
  return mutable;
}

/**
 * A copy that shares every frozen part without mutable descendants and copies the rest. The
 * copied plain objects keep their prototype and are frozen again.
 */
function copyMutableParts(value: unknown, memo: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = memo.get(value);
  if (known !== undefined) return known;
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as { slice(): unknown };
    return typeof view.slice === 'function' ? view.slice() : new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  if (value instanceof Map) {
    const copy = new Map();
    memo.set(value, copy);
    for (const [k, v] of value) copy.set(copyMutableParts(k, memo), copyMutableParts(v, memo));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    memo.set(value, copy);
    for (const v of value) copy.add(copyMutableParts(v, memo));
    return copy;
  }
  memo.set(value, value); // provisional: a cycle back to here shares the frozen original
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const child = source[key];
    const copiedChild = copyMutableParts(child, memo);
    if (copiedChild !== child && copy === undefined) {
      copy = Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value));
      for (let j = 0; j < i; j++) copy![keys[j] as string] = source[keys[j] as string];
    }
    if (copy !== undefined) copy[key] = copiedChild;
  }
  if (copy === undefined) return value;
  if (Array.isArray(copy)) copy.length = (value as unknown[]).length;
  memo.set(value, copy);
  return Object.freeze(copy);
}
