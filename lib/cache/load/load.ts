import { joinKey, type StoredEntry } from '../../stores/store.js';
import { coarseNow } from '../../stores/memory/clock.js';
import type { CacheCore } from '../cache-core.js';
import { readStored } from '../immutability.js';
import { answerWindowed, hasWindows, keep, startLoad } from './windowed.js';
import { Flight } from './flight.js';
import type { Freshness } from './freshness.js';
import type { LoadPolicy } from './policy.js';
import { coordinatedLoad } from './distributed.js';
import { loadAndStore, runUncached } from './run-loader.js';
import { waitFor } from './wait.js';

/**
 * The single-flight read-through of `getOrSet` and the decorators, in the order a call goes
 * through it: join a flight of the same key, or read the store; a hit answers (synchronously
 * read from an in-process store: no promise work but the answer's), a miss starts a flight that
 * runs the loader and stores its result (`run-loader.ts`, `store-result.ts`). Entries with
 * stale or grace windows, and early refresh, take `windowed.ts`; waits with timeouts `wait.ts`.
 */
export function load(core: CacheCore, namespace: string, id: string, policy: LoadPolicy, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
  const freshness = core.freshnessFor(policy);
  if (core.flights.size !== 0) {
    const flight = core.flights.get(namespace, id);
    if (flight !== undefined) return join(core, namespace, id, flight, freshness, policy.forceFresh);
  }
  if (core.closed) {
    const result = runUncached(core, namespace, id, thisArg, fn, args);
    core.lastLoadMissed = true;
    return result;
  }
  if (policy.forceFresh) {
    core.lastLoadMissed = false;
    return startLoad(core, namespace, id, policy, freshness, undefined, thisArg, fn, args, false);
  }
  let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
  try {
    found = core.store.get(namespace, id);
  } catch (error) {
    found = Promise.reject(error);
  }
  if (found === undefined || found instanceof Promise) {
    const flight = new Flight(++core.seq);
    flight.freshness = freshness;
    flight.trace = core.trace;
    core.flights.add(namespace, id, flight);
    if (found === undefined) {
      flight.promise = core.coordinator === undefined ? loadAndStore(core, flight, namespace, id, policy, thisArg, fn, args) : coordinatedLoad(core, flight, namespace, id, policy, thisArg, fn, args);
      core.lastLoadMissed = true;
      return waitFor(core, namespace, id, flight, flight.promise, undefined);
    }
    flight.promise = readThenLoad(core, flight, namespace, id, policy, thisArg, fn, args, found);
    core.lastLoadMissed = false;
    return flight.promise;
  }
  core.lastLoadMissed = false;
  // A fresh entry is a plain hit, windows or not (the clock read at most once per ms), unless it
  // may refresh early.
  if ((hasWindows(found) && found.expiresAt <= coarseNow()) || freshness?.earlyBeta !== undefined) {
    return answerWindowed(core, namespace, id, policy, freshness, keep(core, found), thisArg, fn, args);
  }
  core.countHit(namespace, id, found);
  return Promise.resolve(readStored(found.value, core.immutability));
}

/**
 * A call of a key whose load (or store read) is in flight: it gets that flight's answer. When the
 * flight refreshes an old value that is still fresh or stale, the caller gets that value at once;
 * when the old value is in grace, it waits like the flight's starter, with the old value to fall
 * back on (`forceFresh` waits for the load, without one).
 */
function join(core: CacheCore, namespace: string, id: string, flight: Flight, freshness: Freshness | undefined, forceFresh: boolean): Promise<unknown> {
  core.lastLoadMissed = false;
  const kept = forceFresh ? undefined : flight.fallback;
  if (kept !== undefined) {
    const { entry } = kept;
    const now = Date.now();
    if (now < entry.expiresAt) {
      core.countHit(namespace, id, entry);
      return Promise.resolve(core.reveal(kept.shared));
    }
    if (now < entry.expiresAt + (entry.staleMs ?? 0)) {
      core.countStale(namespace, id, entry);
      return Promise.resolve(core.reveal(kept.shared));
    }
  }
  core.countJoined(namespace, id, false);
  flight.joiners++;
  const answer = core.immutability === 'none' ? flight.promise : flight.promise.then((flight.reveal ??= () => core.reveal(flight.shared)));
  return waitFor(core, namespace, id, flight, answer, kept, freshness);
}

/** The fallback of a failed store read (reported as a backend error): a miss. */
const READ_FAILED: unique symbol = Symbol('read failed');

/**
 * A flight whose store read is pending (stores answering with promises): the read, then a load
 * when it found nothing, or what the entry's windows call for.
 */
async function readThenLoad(
  core: CacheCore,
  flight: Flight,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
  pendingGet: Promise<StoredEntry | undefined>,
): Promise<unknown> {
  let read: StoredEntry | undefined | typeof READ_FAILED;
  try {
    read = await core.guard<StoredEntry | undefined | typeof READ_FAILED>('get', joinKey(namespace, id), () => pendingGet, READ_FAILED);
  } catch (error) {
    core.endFlight(namespace, id, flight);
    throw error;
  }
  // The rest runs for the starter's call: its counting records that call's outcome, if traced.
  const previous = core.trace;
  core.trace = flight.trace;
  try {
    // A store that just failed is not asked to coordinate the load too (it would fail again, or
    // time out again): the load runs process-locally at once.
    if (read === READ_FAILED) flight.local = true;
    const entry = read === READ_FAILED ? undefined : read;
    if (entry === undefined) {
      return waitFor(core, namespace, id, flight, coordinatedLoad(core, flight, namespace, id, policy, thisArg, fn, args), undefined);
    }
    // A read superseded meanwhile (evicted, put, invalidated) neither refreshes nor keeps its entry.
    const freshness = flight.freshness;
    if (!flight.superseded && (hasWindows(entry) || freshness?.earlyBeta !== undefined)) {
      // Callers joined on the read share what the starter gets: the flight ends with its answer.
      const kept = keep(core, entry);
      core.endFlight(namespace, id, flight);
      return answerWindowed(core, namespace, id, policy, freshness, kept, thisArg, fn, args, flight);
    }
    core.countRead(namespace, id, entry);
    core.endFlight(namespace, id, flight);
    // A decoded value read for one caller is its own; callers joined on the read share it, so
    // then it is protected like a loaded one. (No one can join after endFlight.)
    if (!core.store.sharesReferences && flight.joiners === 0) return entry.value;
    flight.shared = core.store.sharesReferences ? entry.value : core.protectOwned(entry.value);
    return core.reveal(flight.shared);
  } finally {
    core.trace = previous;
  }
}
