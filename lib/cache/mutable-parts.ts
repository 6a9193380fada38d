/**
 * Values whose contents freezing cannot protect (a Map's entries, a Date's time, a typed array's
 * bytes, a RegExp's `lastIndex`, a URL's parts), and the copy each reader of a stored snapshot
 * gets of them.
 */

/** A stored snapshot whose mutable parts must be copied on every read. */
export class CopyOnRead {
  /** @param snapshot - a frozen copy whose Map/Set/Date/binary parts are copied per read */
  constructor(readonly snapshot: unknown) {}
}

const typedArraySlice = (Object.getPrototypeOf(Uint8Array.prototype) as { slice(this: ArrayBufferView): ArrayBufferView }).slice;

/**
 * `true` for a value that {@link copyLeaf} copies whole: a Date, RegExp, URL, URLSearchParams,
 * ArrayBuffer, typed array or DataView (Map and Set are walked into instead).
 */
export function isCopiedLeaf(value: object): boolean {
  return (
    value instanceof Date ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof RegExp ||
    value instanceof URL ||
    value instanceof URLSearchParams
  );
}

/** A copy of a value {@link isCopiedLeaf} accepts. */
export function copyLeaf(value: object): object {
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (value instanceof DataView) return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  // The typed arrays' own slice, not the value's: a Buffer's `slice` is a view on the same memory.
  if (ArrayBuffer.isView(value)) return typedArraySlice.call(value);
  if (value instanceof RegExp) {
    const copy = new RegExp(value);
    copy.lastIndex = value.lastIndex;
    return copy;
  }
  if (value instanceof URL) return new URL(value.href);
  return new URLSearchParams(value as URLSearchParams);
}

/**
 * A copy of a stored snapshot for one reader: it shares every frozen part without mutable
 * descendants and copies the rest. The copied plain objects keep their prototype and are frozen
 * again.
 */
export function copyMutableParts(value: unknown, memo: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = memo.get(value);
  if (known !== undefined) return known;
  if (isCopiedLeaf(value)) return copyLeaf(value);
  if (value instanceof Map) {
    const copy = new Map();
    memo.set(value, copy);
    // Keys stay themselves: a Map is looked up by its keys' identity.
    for (const [k, v] of value) copy.set(k, copyMutableParts(v, memo));
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
