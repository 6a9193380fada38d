import { InvalidOptionError } from '../../cache/errors.js';

/** Options of {@link memoryStore}. Every one is optional; unknown names are rejected. */
export interface MemoryStoreOptions {
  /**
   * Most entries held at once; past it the least recently used entry leaves. A positive safe
   * integer, default `10_000`. Expired and invalidated entries count until they are reclaimed.
   */
  readonly maxEntries?: number | undefined;
  /** Name for logs and health output. A non-empty string, default `'memory'`. */
  readonly name?: string | undefined;
}

/** {@link MemoryStoreOptions} with every default applied. */
export interface ResolvedMemoryStoreOptions {
  /** See {@link MemoryStoreOptions.maxEntries}. */
  readonly maxEntries: number;
  /** See {@link MemoryStoreOptions.name}. */
  readonly name: string;
}

/** Default bound of a memory store: it is never unbounded unless asked to be very large. */
export const DEFAULT_MAX_ENTRIES = 10_000;

const KNOWN_OPTIONS: readonly string[] = ['maxEntries', 'name'];

/**
 * Validate `memoryStore` options and apply defaults. Strict on purpose: a typo such as
 * `maxEntires` would otherwise silently leave the default bound in place.
 *
 * @param options - what the caller passed (untyped callers included)
 * @returns the options with defaults applied
 * @throws InvalidOptionError naming the option, the value given and what is accepted
 */
export function resolveMemoryStoreOptions(options: unknown): ResolvedMemoryStoreOptions {
  if (options === undefined) return { maxEntries: DEFAULT_MAX_ENTRIES, name: 'memory' };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      `memoryStore options must be an object such as { maxEntries: 10_000 }, not ${show(options)}.`,
    );
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      const hint = closest(key);
      throw new InvalidOptionError(
        `memoryStore option "${key}" is not known${hint ? ` (did you mean "${hint}"?)` : ''}; ` +
          `accepted options: ${KNOWN_OPTIONS.join(', ')}.`,
      );
    }
  }
  const { maxEntries = DEFAULT_MAX_ENTRIES, name = 'memory' } = given;
  if (typeof maxEntries !== 'number' || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidOptionError(
      `memoryStore option "maxEntries" is ${show(maxEntries)}; give a positive safe integer ` +
        `(1 to ${Number.MAX_SAFE_INTEGER}), e.g. 10_000. The default is ${DEFAULT_MAX_ENTRIES}.`,
    );
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError(
      `memoryStore option "name" is ${show(name)}; give a non-empty string such as 'l1'. The default is 'memory'.`,
    );
  }
  return { maxEntries, name };
}

/** A short, safe rendering of a value for an error message (never dumps an object). */
function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `the bigint ${String(value)}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return `a symbol`;
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return String(value);
  }
}

/** The known option within edit distance 2 of `key`, for a "did you mean" hint. */
function closest(key: string): string | undefined {
  const lower = key.toLowerCase();
  return KNOWN_OPTIONS.find((known) => distance(lower, known.toLowerCase()) <= 2);
}

/** Levenshtein distance; option names are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
