import { joinKey, type LoadCoordinator, type LoadLease, type StoredEntry } from '../../stores/store.js';
import type { CacheCore } from '../cache-core.js';
import type { Flight } from './flight.js';
import type { LoadPolicy } from './policy.js';
import { loadAndStore } from './run-loader.js';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_LOCK_TTL_MS } from './single-flight-options.js';

/**
 * Distributed single-flight: a load goes through the store's coordination across processes
 * (`Store.coordinator`) unless the call runs under `singleFlight: 'process'`:
 *
 *     claim the key's lease -> lead:  run the loader (extending the lease), write under the lease
 *                           -> fresh: another process just wrote it: read it
 *                           -> wait:  another process loads it: wait for its notice (or a poll),
 *                                     then answer the entry the notice carried, or read it, or
 *                                     claim again; past lockTimeout, load on its own
 *
 * A claim that fails (the backend cannot be reached) loads at once, process-locally; the next
 * load tries to coordinate again. A background refresh that finds the key leased elsewhere
 * leaves it to that process. The flight stays in this process's table throughout, so that
 * local callers join it as always.
 */

/** Longest wait between two checks of another process's lease, should its notice be lost. */
const POLL_MS = 250;

/**
 * Run the load of `flight`: coordinated across processes when the store can and the call's
 * policy allows, else {@link loadAndStore} directly. Same contract as {@link loadAndStore}.
 */
export function coordinatedLoad(
  core: CacheCore,
  flight: Flight,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
  countMiss = true,
): Promise<unknown> {
  const coordinator = core.coordinator;
  if (coordinator === undefined || core.closed || flight.local || flight.freshness?.singleFlight === 'process') {
    return loadAndStore(core, flight, namespace, id, policy, thisArg, fn, args, countMiss);
  }
  if (countMiss) core.countMiss(namespace, id);
  return coordinate(core, coordinator, flight, namespace, id, policy, thisArg, fn, args).catch((error: unknown) => {
    core.endFlight(namespace, id, flight);
    throw error;
  });
}

async function coordinate(
  core: CacheCore,
  coordinator: LoadCoordinator,
  flight: Flight,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  thisArg: unknown,
  fn: Function,
  args: readonly unknown[],
): Promise<unknown> {
  const freshness = flight.freshness;
  const leaseMs = freshness?.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const deadline = performance.now() + (freshness?.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const loadHere = (): Promise<unknown> => loadAndStore(core, flight, namespace, id, policy, thisArg, fn, args, false);
  let forceFresh = policy.forceFresh;
  for (;;) {
    if (flight.superseded) return loadHere(); // evicted here meanwhile: its result is not stored anyway
    let claim;
    try {
      claim = await coordinator.claim(namespace, id, { leaseMs, forceFresh });
    } catch (error) {
      core.reportBackendError('claim', joinKey(namespace, id), error);
      return loadHere();
    }
    if (claim.outcome === 'lead') return lead(core, flight, claim.lease, leaseMs, loadHere);
    if (claim.outcome === 'wait') {
      // Another process refreshes it: this one keeps answering the old value meanwhile.
      if (flight.background) return answerKept(core, namespace, id, flight);
      const left = deadline - performance.now();
      if (left <= 0) return loadHere();
      const told = await coordinator.waitForRelease(namespace, id, Math.min(claim.retryInMs + 1, left, POLL_MS));
      if (told === false) continue; // the claim checks for a fresh entry itself
      // The notice carried the entry: no read.
      if (told !== true && Date.now() < told.expiresAt && !flight.superseded) return answerRead(core, namespace, id, flight, told);
    }
    const entry = await core.guard('get', joinKey(namespace, id), () => core.store.get(namespace, id), undefined);
    if (entry !== undefined && Date.now() < entry.expiresAt && !flight.superseded) return answerRead(core, namespace, id, flight, entry);
    // The claim saw a fresh entry that the read did not (expired meanwhile, undecodable): lead.
    if (claim.outcome === 'fresh') forceFresh = true;
  }
}

/**
 * Lead the load: run the loader while extending the lease every third of its duration; the
 * result is written under the lease (`storeResult` hands it to the store), else the lease is
 * released. A lease found lost (an eviction, put or invalidation in any process took it) marks
 * the flight superseded: its result is not stored.
 */
function lead(core: CacheCore, flight: Flight, lease: LoadLease, leaseMs: number, loadHere: () => Promise<unknown>): Promise<unknown> {
  flight.lease = lease;
  const renew = setInterval(() => {
    void lease.extend().then((held) => {
      if (!held) flight.superseded = true;
    });
  }, Math.max(1, leaseMs / 3));
  renew.unref?.();
  const done = (): void => {
    clearInterval(renew);
    if (flight.lease === lease) {
      flight.lease = undefined;
      void lease.release();
    }
  };
  const loading = loadHere();
  loading.then(done, done);
  return loading;
}

/** Another process loaded the key: its callers here get the entry it wrote. */
function answerRead(core: CacheCore, namespace: string, id: string, flight: Flight, entry: StoredEntry): unknown {
  // Called after an await: the outcome goes to the starter's trace, if it is traced.
  const previous = core.trace;
  core.trace = flight.trace;
  core.countJoined(namespace, id, true);
  core.trace = previous;
  flight.shared = core.store.sharesReferences ? entry.value : core.protectOwned(entry.value);
  core.endFlight(namespace, id, flight);
  return core.reveal(flight.shared);
}

/** A background refresh left to another process: the flight answers the value it refreshes. */
function answerKept(core: CacheCore, namespace: string, id: string, flight: Flight): unknown {
  flight.shared = flight.fallback?.shared;
  core.endFlight(namespace, id, flight);
  return core.reveal(flight.shared);
}
