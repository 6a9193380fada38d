/**
 * Protection of shared values, so that no caller's mutation changes what another caller
 * receives, and the cache never changes an object the application still holds.
 *
 * The caller whose call ran the method gets the method's own object, as the method made it (it
 * may be the service's own state: a config object, a memoized map, an ORM entity). What the cache
 * keeps, and hands to later callers (hits) and to callers joined on the same load, is protected:
 *
 * - `'freeze'` (default): a deep-frozen copy, made when the value is stored (see
 *   `frozen-copy.ts`); hits share it and cost nothing. JavaScript cannot freeze the contents of a
 *   Map, Set, Date, typed array or ArrayBuffer: a value containing one is stored as a frozen
 *   snapshot and each reader gets a copy of those parts (the frozen rest is shared).
 * - `'clone'`: `structuredClone` on store and on every read (prototypes are not kept).
 * - `'none'`: references are shared; the fastest, for code that never mutates results.
 */
import { freezeInPlace } from './deep-freeze.js';
import { storeFrozenCopy } from './frozen-copy.js';
import { CopyOnRead, copyMutableParts } from './mutable-parts.js';

/** How a cache protects the values it shares: see the module comment. */
export type Immutability = 'freeze' | 'clone' | 'none';

export { CopyOnRead } from './mutable-parts.js';

/**
 * Prepare a value the application may still hold (a loader's result, a value given to
 * `cache.set`) for a store that shares references. The value itself is never changed.
 *
 * @returns what to store: a frozen copy (or the value, when already deeply frozen or primitive),
 *   a {@link CopyOnRead} box, or the value itself under `'none'`
 */
export function protectForStore(value: unknown, mode: Immutability): unknown {
  return protectorFor(mode)(value);
}

/**
 * {@link protectForStore} for one mode, picked once: a cache holds on to it rather than
 * comparing the mode's name on every load.
 */
export function protectorFor(mode: Immutability): (value: unknown) => unknown {
  return mode === 'freeze' ? storeFrozenCopy : mode === 'clone' ? cloneForStore : keepAsIs;
}

/**
 * Like {@link protectorFor}, for values no one else holds (a payload just decoded from a shared
 * store): `'freeze'` freezes them in place instead of copying them.
 */
export function ownedProtectorFor(mode: Immutability): (value: unknown) => unknown {
  return mode === 'freeze' ? freezeOwned : mode === 'clone' ? boxOwned : keepAsIs;
}

function freezeOwned(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return freezeInPlace(value) ? new CopyOnRead(copyMutableParts(value, new Map())) : value;
}

function cloneForStore(value: unknown): unknown {
  return typeof value !== 'object' || value === null ? value : new CopyOnRead(structuredClone(value));
}

/** Under `'clone'` every reader clones the snapshot; a value no one else holds needs no first clone. */
function boxOwned(value: unknown): unknown {
  return typeof value !== 'object' || value === null ? value : new CopyOnRead(value);
}

function keepAsIs(value: unknown): unknown {
  return value;
}

/** Turn what a store returned into what a caller receives. */
export function readStored(stored: unknown, mode: Immutability): unknown {
  if (!(stored instanceof CopyOnRead)) return stored;
  return mode === 'clone' ? structuredClone(stored.snapshot) : copyMutableParts(stored.snapshot, new Map());
}
