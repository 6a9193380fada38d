import { InvalidTtlError } from './errors.js';

/**
 * A time to live: milliseconds as a number (fractions allowed), or a string such as
 * `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`, `'1.5s'`.
 *
 * `0` means "do not store" (concurrent calls are still joined); `Infinity` means "never expires"
 * (the entry still leaves on eviction, invalidation or the memory store's bound).
 */
export type Duration = number | `${number}${DurationUnit}`;

/** Units accepted in a {@link Duration} string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Readonly<Record<DurationUnit, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
// Exactly the typed form `${number}${unit}`: no spaces, signs, exponents or upper-case units, so
// that what the type accepts and what parses are the same strings (a stray space is a typo).
const DURATION_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)$/;
/** The accepted forms, for every TTL error message. */
const ACCEPTED =
  "give a number of milliseconds >= 0 (fractions allowed; 0 = do not store, Infinity = never expires) or a string of digits and a unit with no spaces: ms, s, m, h or d (e.g. '250ms', '30s', '5m', '1.5h', '1d')";

/**
 * Parse and validate a duration into milliseconds.
 *
 * @param value - a {@link Duration}
 * @param what - names the option in the error message, e.g. `"@Cacheable ttl of Svc.get"`
 * @returns milliseconds, `>= 0`, possibly fractional or `Infinity`
 * @throws InvalidTtlError for negative numbers, `NaN`, strings that do not parse (spaces
 *   included), and anything else (`null` too: leave an option out to get its default)
 */
export function parseDuration(value: unknown, what: string): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value) || value < 0) {
      throw new InvalidTtlError(`${what} is ${String(value)}; ${ACCEPTED}.`);
    }
    return value;
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value);
    if (match) return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
    throw new InvalidTtlError(`${what} is ${JSON.stringify(value)}, which does not parse; ${ACCEPTED}.`);
  }
  const given = value === null ? 'null' : typeof value;
  throw new InvalidTtlError(`${what} is ${given}; ${ACCEPTED}, or leave the option out for its default.`);
}
