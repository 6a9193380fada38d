/**
 * Remembers a method's last argument list (a deep copy, plain data only) and the key derived
 * from it. A call that repeats those arguments by value reuses that key string: a string built
 * by concatenation must be flattened and hashed again by every Map lookup, while the remembered
 * one is flat and keeps its hash. On a hot key this removes most of the cost of a hit.
 *
 * Exact, never approximate: two lists are "the same" only when the key encoder would encode
 * them identically, under stricter rules (numbers by `Object.is`, plain objects by own
 * enumerable keys in any order with `{a: undefined}` apart from `{}`, and no other own property,
 * arrays without holes).
 * Anything else (Dates, Maps, class instances, deep or large structures) is not remembered, and
 * those calls encode as usual.
 *
 * A call whose list differs from the last one (another id, say) still often repeats most of its
 * arguments: `getProduct(id, 'abc', { a: 1, b: [1, 2] })` over many ids. {@link LastArgsMemo.encode}
 * keeps, per argument position, the last string or object argument and its encoding, under the
 * same rules, and reuses the encoding of an argument equal by value to the previous call's at
 * that position; only the arguments that changed are encoded. The key is the same string
 * `encodeArgs` builds (the same encodings joined by `|`, then the same length rule).
 */
import { encodeArg, finishEncoding } from './encode-args.js';


/** Containers a snapshot may hold in all; past it a list is not remembered (comparing costs too much). */
const MAX_NODES = 32;
/** Nesting a snapshot may hold. */
const MAX_DEPTH = 4;

const OBJECT_PROTO: object = Object.prototype;
const ARRAY_PROTO: object = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const objectKeys = Object.keys;
const ownKeys = Reflect.ownKeys;
const ownNames = Object.getOwnPropertyNames;
const ownSymbols = Object.getOwnPropertySymbols;
const hasOwn = Object.hasOwn;

/** A copied plain object: its values under its keys, and how many keys it has. */
interface ObjectSnapshot {
  readonly values: Record<string, unknown>;
  readonly size: number;
  /** The keys in the copied object's order, and their values in the same order. */
  readonly keys: readonly string[];
  readonly items: readonly unknown[];
}

/**
 * The last string or object argument seen at one position, and its encoding as joined into the
 * key (`|` first, past the first position). An object's snapshot is taken once its encoding
 * repeats (as for the whole list: copying costs more than encoding), once per run of repeats.
 */
interface ArgumentMemo {
  /** The string argument, or `undefined` for an object argument. */
  readonly text: string | undefined;
  /** The object argument's copy (`undefined`: not copied, or not copyable). */
  readonly snapshot: unknown;
  /** The argument's encoding, with its `|` separator past the first position. */
  readonly encoded: string;
  /** Whether copying was already tried for this encoding. */
  readonly tried: boolean;
}

/** The last argument list of one method and its key. */
export class LastArgsMemo {
  private snapshot: readonly unknown[] | undefined;
  private key = '';
  /** Whether the current key's arguments were already copied (or found impossible to copy). */
  private tried = false;
  /** Per argument position: the last string or object argument and its encoding. */
  private readonly parts: Array<ArgumentMemo | undefined> = [];

  /**
   * `encodeArgs(args, label)` (default length bound), reusing the encoding of each string or
   * object argument equal by value to the previous call's at the same position.
   *
   * @throws CacheKeyError - as `encodeArgs` does
   */
  encode(args: readonly unknown[], label: string): string {
    const n = args.length;
    if (n === 0) return '';
    let out = this.part(args[0], 0, label);
    for (let i = 1; i < n; i++) out += this.part(args[i], i, label);
    return finishEncoding(out);
  }

  /** The encoding of argument `index` (with its `|` past the first), reused when it repeats. */
  private part(value: unknown, index: number, label: string): string {
    if (typeof value === 'string') {
      const memo = this.parts[index];
      if (memo !== undefined && memo.text === value) return memo.encoded;
      const encoded = index === 0 ? encodeArg(value, 0, label) : '|' + encodeArg(value, index, label);
      this.parts[index] = { text: value, snapshot: undefined, encoded, tried: true };
      return encoded;
    }
    if (typeof value !== 'object' || value === null) {
      // Numbers and the other primitives: encoding them costs no more than comparing.
      return index === 0 ? encodeArg(value, 0, label) : '|' + encodeArg(value, index, label);
    }
    // Read once: a getter run by the comparison may re-enter this memo and replace the entry.
    const memo = this.parts[index];
    if (memo !== undefined && memo.snapshot !== undefined && sameValue(memo.snapshot, value)) return memo.encoded;
    const encoded = index === 0 ? encodeArg(value, 0, label) : '|' + encodeArg(value, index, label);
    if (memo === undefined || memo.text !== undefined || memo.encoded !== encoded) {
      this.parts[index] = { text: undefined, snapshot: undefined, encoded, tried: false };
    } else if (!memo.tried) {
      const budget = { nodes: 0 };
      const copy = snapshotOf(value, 0, budget);
      this.parts[index] = { text: undefined, snapshot: copy === UNSUPPORTED ? undefined : copy, encoded, tried: true };
    }
    return encoded;
  }

  /** The remembered key when `args` equals the remembered list by value, else `undefined`. */
  lookup(args: readonly unknown[]): string | undefined {
    const snapshot = this.snapshot;
    if (snapshot === undefined || snapshot.length !== args.length) return undefined;
    for (let i = 0; i < snapshot.length; i++) if (!sameValue(snapshot[i], args[i])) return undefined;
    return this.key;
  }

  /**
   * Record the key used for `args`, after the store lookup: by then both strings are flat with
   * their hashes computed, so telling two different keys apart costs one hash comparison. The
   * arguments are copied only when a key repeats the previous one (copying costs more than
   * encoding), and only once per run of repeats.
   */
  observe(args: readonly unknown[], key: string): void {
    if (key !== this.key) {
      this.key = key;
      this.snapshot = undefined;
      this.tried = false;
    } else if (!this.tried) {
      this.tried = true;
      this.snapshot = snapshotList(args);
    }
  }
}

function snapshotList(args: readonly unknown[]): unknown[] | undefined {
  const budget = { nodes: 0 };
  const copy: unknown[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = snapshotOf(args[i], 0, budget);
    if (value === UNSUPPORTED) return undefined;
    copy.push(value);
  }
  return copy;
}

const UNSUPPORTED = Symbol('unsupported');

function snapshotOf(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return UNSUPPORTED;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH || ++budget.nodes > MAX_NODES) return UNSUPPORTED;
  const proto: unknown = getPrototypeOf(value);
  if (proto === ARRAY_PROTO) {
    const source = value as readonly unknown[];
    const copy: unknown[] = [];
    for (let i = 0; i < source.length; i++) {
      if (!(i in source)) return UNSUPPORTED; // holes encode apart from undefined
      const item = snapshotOf(source[i], depth + 1, budget);
      if (item === UNSUPPORTED) return UNSUPPORTED;
      copy.push(item);
    }
    return copy;
  }
  if (proto !== OBJECT_PROTO) return UNSUPPORTED;
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const keys = objectKeys(value);
  if (ownNames(value).length !== keys.length || ownSymbols(value).length !== 0) return UNSUPPORTED; // keyed by [cacheKey]()
  const items: unknown[] = [];
  for (const key of keys) {
    const item = snapshotOf((value as Record<string, unknown>)[key], depth + 1, budget);
    if (item === UNSUPPORTED) return UNSUPPORTED;
    values[key] = item;
    items.push(item);
  }
  const snapshot: ObjectSnapshot = { values, size: keys.length, keys, items };
  return snapshot;
}

/** Whether `value` equals the snapshot `remembered` under the memo's rules. */
function sameValue(remembered: unknown, value: unknown): boolean {
  if (typeof remembered !== 'object' || remembered === null) return Object.is(remembered, value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(remembered)) {
    // The length read first lets the optimizing compiler see the array's shape, so the prototype
    // read below becomes a constant instead of a call into the runtime (as in the encoder).
    if (!Array.isArray(value)) return false;
    const list = value as readonly unknown[];
    const length = list.length;
    if (getPrototypeOf(value) !== ARRAY_PROTO) return false;
    if (length !== remembered.length) return false;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (item === undefined && !(i in list)) return false;
      if (!sameValue(remembered[i], item)) return false;
    }
    return true;
  }
  if (getPrototypeOf(value) !== OBJECT_PROTO) return false;
  const snapshot = remembered as ObjectSnapshot;
  const size = snapshot.size;
  const keys = objectKeys(value);
  // A symbol-keyed or non-enumerable property the snapshot lacks: the encoder refuses that object.
  if (keys.length !== size || ownNames(value).length !== size || ownSymbols(value).length !== 0) return false;
  // Usually the keys come in the copied object's order: compare by position, without lookups.
  const known = snapshot.keys;
  let i = 0;
  while (i < size && keys[i] === known[i]) i++;
  if (i === size) {
    const items = snapshot.items;
    for (let j = 0; j < size; j++) if (!sameValue(items[j], (value as Record<string, unknown>)[keys[j] as string])) return false;
    return true;
  }
  const values = snapshot.values;
  for (const key of keys) {
    if (!hasOwn(values, key) || !sameValue(values[key], (value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
