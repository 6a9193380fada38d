import { InvalidOptionError } from './errors.js';

/**
 * Shared pieces of strict option validation: a typo such as `maxEntires` or `ttll` must fail
 * loudly, with a hint, instead of silently leaving a default in place.
 */

/**
 * Reject option names that `owner` does not know, suggesting the nearest known one.
 *
 * @param owner - names the API in the message, e.g. `memoryStore` or `@Cacheable`
 * @throws InvalidOptionError for the first unknown name
 */
export function rejectUnknownOptions(owner: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    throw new InvalidOptionError(
      `${owner} option "${key}" is not known${hint ? ` (did you mean "${hint}"?)` : ''}; accepted options: ${known.join(', ')}.`,
    );
  }
}

/**
 * A short, safe rendering of a value for an error message (never dumps an object).
 *
 * @param redact - applied to strings, e.g. to mask a password in a URL
 */
export function describeValue(value: unknown, redact: (text: string) => string = (text) => text): string {
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(redact(value))}`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `the bigint ${String(value)}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return String(value);
  }
}

/** The known name within edit distance 2 of `key`, for a "did you mean" hint. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  return known.find((name) => distance(lower, name.toLowerCase()) <= 2);
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
