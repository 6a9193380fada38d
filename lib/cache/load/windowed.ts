import { joinKey, type StoredEntry } from '../../stores/store.js';
import type { CacheCore } from '../cache-core.js';
import { Flight, type Kept } from './flight.js';
import type { Freshness } from './freshness.js';
import type { LoadPolicy } from './policy.js';
import { coordinatedLoad } from './distributed.js';
import { waitFor } from './wait.js';

/**
 * Reads of entries that have stale or grace windows, or that may refresh early. An entry is
 * judged by the windows it was written with (every process sees the same ones):
 *
 *     fresh (TTL)            -> answer; with earlyRefresh, maybe refresh in the background
 *     stale (+stale window)  -> answer at once; one refresh in the background
 *     grace (+grace window)  -> load and wait, falling back on the entry on failure or timeout;
 *                               during graceBackoff after a failure, answer it without loading
 *     past every window      -> a miss
 */

/** Whether a read entry has windows (an entry written without them has neither field). */
export function hasWindows(entry: StoredEntry): boolean {
  return entry.staleMs !== undefined || entry.graceMs !== undefined;
}

/** `entry` with the form its callers share (a decoded value is protected once, for them all). */
export function keep(core: CacheCore, entry: StoredEntry): Kept {
  return { entry, shared: core.store.sharesReferences ? entry.value : core.protectOwned(entry.value) };
}

/**
 * Answer a read of `kept.entry` by its windows. `readFlight`: the flight of the store read that
 * found it (stores answering with promises), whose joined callers share this answer; it is out of
 * the flight table already, unless a load follows in it.
 */
export function answerWindowed(
  core: CacheCore,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  freshness: Freshness | undefined,
  kept: Kept,
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
  readFlight?: Flight,
): Promise<unknown> {
  const { entry } = kept;
  const now = Date.now();
  const freshUntil = entry.expiresAt;
  if (now < freshUntil) {
    core.countHit(namespace, id, entry);
    const beta = freshness?.earlyBeta;
    const loadMs = entry.loadMs;
    // XFetch: refresh with probability exp(-remaining / (beta * delta)), drawn at most once per
    // millisecond per key, so that when the refresh comes depends on the time left, not on how
    // many reads arrive (a draw per read would refresh a very hot key several times per TTL).
    if (beta !== undefined && loadMs !== undefined && loadMs > 0 && core.earlyDrawDue(joinKey(namespace, id), now)) {
      if (Math.random() < Math.exp(-(freshUntil - now) / (beta * loadMs))) refresh(core, namespace, id, policy, freshness, kept, 'early', thisArg, fn, args);
    }
    return answerKept(core, kept, readFlight);
  }
  const key = joinKey(namespace, id);
  const staleUntil = freshUntil + (entry.staleMs ?? 0);
  if (now < staleUntil) {
    core.countStale(namespace, id, entry);
    if (!core.backingOff(key, now)) refresh(core, namespace, id, policy, freshness, kept, 'stale', thisArg, fn, args);
    return answerKept(core, kept, readFlight);
  }
  if (now < staleUntil + (entry.graceMs ?? 0)) {
    if (core.backingOff(key, now)) {
      core.countGraced(namespace, id, entry, 'backoff');
      return answerKept(core, kept, readFlight);
    }
    return startLoad(core, namespace, id, policy, freshness, kept, thisArg, fn, args, true, readFlight);
  }
  return startLoad(core, namespace, id, policy, freshness, undefined, thisArg, fn, args, true, readFlight);
}

/**
 * A foreground load of the key: in `flight` (a store read's, which then goes on as the load), or
 * in a new flight. The caller waits for it, with `kept` to fall back on and the policy's timeouts.
 */
export function startLoad(
  core: CacheCore,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  freshness: Freshness | undefined,
  kept: Kept | undefined,
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
  countMiss: boolean,
  flight?: Flight,
): Promise<unknown> {
  const own = flight === undefined;
  if (flight === undefined) {
    flight = new Flight(++core.seq);
    flight.freshness = freshness;
    flight.trace = core.trace;
  }
  // A store read's flight comes back into the table: it carries on as the load, and others can join it.
  core.flights.add(namespace, id, flight);
  flight.fallback = kept;
  const loading = coordinatedLoad(core, flight, namespace, id, policy, thisArg, fn, args, countMiss);
  if (own) flight.promise = loading;
  return waitFor(core, namespace, id, flight, loading, kept, freshness);
}

/** The kept value for one caller; callers joined on the store read share its form. */
function answerKept(core: CacheCore, kept: Kept, readFlight: Flight | undefined): Promise<unknown> {
  if (readFlight !== undefined) readFlight.shared = kept.shared;
  return Promise.resolve(core.reveal(kept.shared));
}

/**
 * Start one background refresh of the key, unless a load of it is in flight already. Its failure
 * reaches no caller and leaves the entry in place: it is reported (`load-error`, `loadErrors`) and
 * backs the key's loader off for `graceBackoff`.
 */
function refresh(
  core: CacheCore,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  freshness: Freshness | undefined,
  kept: Kept,
  reason: 'stale' | 'early',
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
): void {
  if (core.flights.size !== 0 && core.flights.get(namespace, id) !== undefined) return;
  const flight = new Flight(++core.seq);
  flight.freshness = freshness;
  flight.fallback = kept;
  flight.background = true;
  core.flights.add(namespace, id, flight);
  core.counters.refreshes++;
  if (core.events.listening.refresh) core.events.emit('refresh', { key: joinKey(namespace, id), reason });
  flight.promise = coordinatedLoad(core, flight, namespace, id, policy, thisArg, fn, args, false);
  flight.promise.then(undefined, () => undefined);
}
