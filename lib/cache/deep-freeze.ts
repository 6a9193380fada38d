/**
 * Deep-freezing in place, for values no one but the cache holds (a payload just decoded from a
 * shared store). Values the application may still hold are copied instead: see `frozen-copy.ts`.
 */
import { isCopiedLeaf } from './mutable-parts.js';

/** Nesting the first, bookkeeping-free pass accepts before assuming a cycle. */
const FAST_FREEZE_DEPTH = 32;
const TOO_DEEP = Symbol('too deep');
const isArray = Array.isArray;
const getPrototypeOf = Object.getPrototypeOf;
const freeze = Object.freeze;

/**
 * Deep-freeze `value`; answer whether it holds parts freezing cannot protect (see
 * `mutable-parts.ts`). Most values are small acyclic trees: the first pass keeps no set of
 * visited objects; only a structure deeper than {@link FAST_FREEZE_DEPTH} (a cycle gets there at
 * once) is walked again with one.
 */
export function freezeInPlace(value: object): boolean {
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
  // Built-ins whose contents freezing cannot reach: every reader gets its own copy of them.
  if (isCopiedLeaf(value)) return true;
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
  // Class instances and null-prototype objects: own enumerable keys.
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && deepFreeze(child, seen, depth + 1)) mutable = true;
  }
  freeze(value);
  return mutable;
}
