import { InvalidOptionError, InvalidTtlError } from '../../core/errors.js';
import { parseDuration, type Duration } from '../../core/durations.js';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_LOCK_TTL_MS, parseSingleFlight, SINGLE_FLIGHT_OPTION_NAMES, type SingleFlightOptions } from './single-flight-options.js';

/**
 * How long an entry may answer after its TTL, and how long callers wait for a load. Accepted by
 * `@Cacheable`, `getOrSet` and, as defaults of every call, `createCache`; each option given on a
 * call or method replaces the cache's default of that option. All are off by default.
 *
 * An entry lives through three windows: fresh (its TTL), then stale (`staleWhileRevalidate`),
 * then in grace (`grace`). The windows are written with the entry, so every process reading it
 * (through Redis, or a tiered store) sees the same ones. The single-flight options
 * ({@link SingleFlightOptions}) travel with them.
 */
export interface FreshnessOptions extends SingleFlightOptions {
  /**
   * For this long after the TTL ends, a read answers the old value at once and starts one
   * refresh in the background; concurrent callers join that refresh, and its value replaces the
   * entry. A finite duration.
   */
  readonly staleWhileRevalidate?: Duration | undefined;
  /**
   * For this long after the TTL (and the stale window) ends, the entry is kept: a read waits for
   * the load as on a miss, but when the load fails or times out, the caller gets the kept value
   * instead of the error. A finite duration.
   */
  readonly grace?: Duration | undefined;
  /**
   * After a failed load answered from grace (or a failed background refresh), the loader is not
   * called again for that key before this delay; calls in between answer the kept value.
   * Default `'10s'`.
   */
  readonly graceBackoff?: Duration | undefined;
  /**
   * When an old value exists (stale or in grace), a caller waits at most this long for the load,
   * then gets the old value; the load goes on and stores its result when it arrives. `> 0`.
   */
  readonly softTimeout?: Duration | undefined;
  /**
   * A caller waits at most this long for a load, then rejects with `TimeoutError` (code
   * `E_TIMEOUT`), or gets the kept value when the entry is in grace; the load goes on and stores
   * its result. `> 0`, and above `softTimeout` when both are given.
   */
  readonly hardTimeout?: Duration | undefined;
  /**
   * Probabilistic early refresh before the TTL ends (XFetch, Vattani et al., VLDB 2015): a read
   * of a fresh entry refreshes it in the background with probability
   * `exp(-remaining / (beta * delta))`, `remaining` being the entry's fresh time left and `delta`
   * how long its last load took. The reader gets the current value. `beta` (default 1, positive):
   * above 1 refreshes earlier, below 1 later. `true` is `{ beta: 1 }`; `false` turns off a
   * cache-wide default.
   */
  readonly earlyRefresh?:
    | boolean
    | {
        /** How early to refresh: default 1, positive; above 1 earlier, below 1 later. */
        readonly beta?: number | undefined;
      }
    | undefined;
}

/** The names of {@link FreshnessOptions}, for strict option checks. */
export const FRESHNESS_OPTION_NAMES: readonly string[] = ['staleWhileRevalidate', 'grace', 'graceBackoff', 'softTimeout', 'hardTimeout', 'earlyRefresh', ...SINGLE_FLIGHT_OPTION_NAMES];

/** {@link FreshnessOptions} of one level (a method, a call, the cache), parsed; `undefined` = not given. */
export interface FreshnessParts {
  readonly staleMs: number | undefined;
  readonly graceMs: number | undefined;
  readonly graceBackoffMs: number | undefined;
  readonly softTimeoutMs: number | undefined;
  readonly hardTimeoutMs: number | undefined;
  /** `0` = turned off explicitly (`earlyRefresh: false`). */
  readonly earlyBeta: number | undefined;
  readonly singleFlight: 'distributed' | 'process' | undefined;
  readonly lockTtlMs: number | undefined;
  readonly lockTimeoutMs: number | undefined;
}

/** The freshness policy a call runs under: the levels merged, defaults applied. */
export interface Freshness {
  readonly staleMs: number;
  readonly graceMs: number;
  readonly graceBackoffMs: number;
  readonly softTimeoutMs: number | undefined;
  readonly hardTimeoutMs: number | undefined;
  /** `undefined` = no early refresh. */
  readonly earlyBeta: number | undefined;
  /** `'process'`: loads are never coordinated across processes. */
  readonly singleFlight: 'distributed' | 'process';
  readonly lockTtlMs: number;
  readonly lockTimeoutMs: number;
}

const DEFAULT_GRACE_BACKOFF_MS = 10_000;

/**
 * Parse and check the freshness options of one level.
 *
 * @param what - names the level in messages, e.g. `'@Cacheable'` or `'createCache'`
 * @returns `undefined` when none is given
 * @throws InvalidTtlError for a bad duration, InvalidOptionError for a bad `earlyRefresh` or a
 *   `softTimeout` not below `hardTimeout`
 */
export function parseFreshness(options: FreshnessOptions, what: string): FreshnessParts | undefined {
  const { staleWhileRevalidate, grace, graceBackoff, softTimeout, hardTimeout, earlyRefresh, singleFlight, lockTtl, lockTimeout } = options;
  if (
    staleWhileRevalidate === undefined &&
    grace === undefined &&
    graceBackoff === undefined &&
    softTimeout === undefined &&
    hardTimeout === undefined &&
    earlyRefresh === undefined &&
    singleFlight === undefined &&
    lockTtl === undefined &&
    lockTimeout === undefined
  ) {
    return undefined;
  }
  const parts: FreshnessParts = {
    staleMs: windowOf(staleWhileRevalidate, `${what} staleWhileRevalidate`),
    graceMs: windowOf(grace, `${what} grace`),
    graceBackoffMs: windowOf(graceBackoff, `${what} graceBackoff`),
    softTimeoutMs: timeoutOf(softTimeout, `${what} softTimeout`),
    hardTimeoutMs: timeoutOf(hardTimeout, `${what} hardTimeout`),
    earlyBeta: betaOf(earlyRefresh, what),
    ...parseSingleFlight(options, what),
  };
  if (parts.softTimeoutMs !== undefined && parts.hardTimeoutMs !== undefined && !(parts.softTimeoutMs < parts.hardTimeoutMs)) {
    throw new InvalidOptionError(
      `${what} softTimeout (${parts.softTimeoutMs} ms) must be shorter than hardTimeout (${parts.hardTimeoutMs} ms): the soft one answers the old value, the hard one gives up. Shorten softTimeout or lengthen hardTimeout.`,
    );
  }
  return parts;
}

/**
 * The policy of a call: the method's (or call's) options over the cache's defaults.
 * `undefined` when neither level has any: the call then runs exactly as without these options.
 */
export function mergeFreshness(own: FreshnessParts | undefined, defaults: FreshnessParts | undefined): Freshness | undefined {
  if (own === undefined && defaults === undefined) return undefined;
  const pick = <K extends keyof FreshnessParts>(name: K): FreshnessParts[K] => (own?.[name] !== undefined ? own[name] : defaults?.[name]);
  const beta = pick('earlyBeta');
  return {
    staleMs: pick('staleMs') ?? 0,
    graceMs: pick('graceMs') ?? 0,
    graceBackoffMs: pick('graceBackoffMs') ?? DEFAULT_GRACE_BACKOFF_MS,
    softTimeoutMs: pick('softTimeoutMs'),
    hardTimeoutMs: pick('hardTimeoutMs'),
    earlyBeta: beta === 0 ? undefined : beta,
    singleFlight: pick('singleFlight') ?? 'distributed',
    lockTtlMs: pick('lockTtlMs') ?? DEFAULT_LOCK_TTL_MS,
    lockTimeoutMs: pick('lockTimeoutMs') ?? DEFAULT_LOCK_TIMEOUT_MS,
  };
}

function windowOf(value: Duration | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value, what);
  if (ms === Infinity) throw new InvalidTtlError(`${what} is Infinity; give a finite duration such as '30s' (an entry is kept for its TTL plus this window).`);
  return ms;
}

function timeoutOf(value: Duration | undefined, what: string): number | undefined {
  const ms = windowOf(value, what);
  if (ms === 0) throw new InvalidTtlError(`${what} is 0; give a duration > 0 such as '200ms', or leave the option out for no timeout.`);
  return ms;
}

function betaOf(value: FreshnessOptions['earlyRefresh'], what: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((key) => key !== 'beta');
    if (keys.length > 0) throw new InvalidOptionError(`${what} earlyRefresh option "${keys[0]}" is not known; accepted: beta.`);
    const beta = value.beta ?? 1;
    if (typeof beta === 'number' && beta > 0 && Number.isFinite(beta)) return beta;
    throw new InvalidOptionError(`${what} earlyRefresh beta is ${String(beta)}; give a positive finite number (1 is the default; above 1 refreshes earlier).`);
  }
  throw new InvalidOptionError(`${what} earlyRefresh must be true, false or { beta: number }, not ${typeof value}.`);
}
