import { InvalidOptionError, InvalidTtlError } from '../../core/errors.js';
import { parseDuration, type Duration } from '../../core/durations.js';

/**
 * How the concurrent loads of one key are merged into one. Accepted by `@Cacheable`, `getOrSet`
 * and, as defaults of every call, `createCache`, beside the freshness options.
 */
export interface SingleFlightOptions {
  /**
   * `'distributed'` (the default for stores that can coordinate: the Redis and tiered stores):
   * one load of a key at a time across every process sharing the store; the others wait for its
   * write and read it. `'process'`: one load per process (what a store without coordination,
   * such as the memory store, always does).
   */
  readonly singleFlight?: 'distributed' | 'process' | undefined;
  /**
   * Under `'distributed'`: the lease the loading process holds (a lock with an expiry), extended
   * every third of it while its loader runs. If that process dies, another takes the load over
   * within this time. Default `'5s'`; `> 0`, finite.
   */
  readonly lockTtl?: Duration | undefined;
  /**
   * Under `'distributed'`: the longest a caller waits for another process's load before it
   * loads on its own. Default `'10s'`; `> 0`, finite. (`hardTimeout` and `softTimeout` still
   * bound how long the caller itself waits.)
   */
  readonly lockTimeout?: Duration | undefined;
}

/** The names of {@link SingleFlightOptions}, for strict option checks. */
export const SINGLE_FLIGHT_OPTION_NAMES: readonly string[] = ['singleFlight', 'lockTtl', 'lockTimeout'];

/** Default {@link SingleFlightOptions.lockTtl}, in ms. */
export const DEFAULT_LOCK_TTL_MS = 5_000;
/** Default {@link SingleFlightOptions.lockTimeout}, in ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** {@link SingleFlightOptions} of one level, parsed; `undefined` = not given. */
export interface SingleFlightParts {
  readonly singleFlight: 'distributed' | 'process' | undefined;
  readonly lockTtlMs: number | undefined;
  readonly lockTimeoutMs: number | undefined;
}

/**
 * Parse and check the single-flight options of one level.
 *
 * @throws InvalidOptionError for a `singleFlight` other than the two modes; InvalidTtlError for
 *   a lock duration that is not finite and > 0
 */
export function parseSingleFlight(options: SingleFlightOptions, what: string): SingleFlightParts {
  const { singleFlight, lockTtl, lockTimeout } = options;
  if (singleFlight !== undefined && singleFlight !== 'distributed' && singleFlight !== 'process') {
    throw new InvalidOptionError(
      `${what} singleFlight is ${typeof singleFlight === 'string' ? `'${singleFlight}'` : String(singleFlight)}; give 'distributed' (one load across every process sharing the store, the default where the store can coordinate) or 'process' (one load per process).`,
    );
  }
  return { singleFlight, lockTtlMs: lockDuration(lockTtl, `${what} lockTtl`), lockTimeoutMs: lockDuration(lockTimeout, `${what} lockTimeout`) };
}

function lockDuration(value: Duration | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value, what);
  if (ms === 0 || ms === Infinity) throw new InvalidTtlError(`${what} is ${ms}; give a finite duration > 0 such as '5s', or leave it out for the default.`);
  return ms;
}
