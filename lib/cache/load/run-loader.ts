import { joinKey } from '../../stores/store.js';
import type { CacheCore } from '../cache-core.js';
import { trace, traced, tracing } from '../tracing.js';
import type { Flight } from './flight.js';
import type { LoadPolicy } from './policy.js';
import { storeResult } from './store-result.js';

/**
 * A miss: run the loader, store its result. Settles with the method's own result for the
 * initiating caller, while `flight.shared` keeps the protected form (a frozen copy, or a
 * copy-on-read box) from which each joined caller gets its own view. Promise reactions rather
 * than an async function: this is the miss path, and a suspended async function costs more to
 * keep and resume.
 */
export function loadAndStore(
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
  if (countMiss) core.countMiss(namespace, id);
  core.counters.loads++;
  // The duration is kept with the entry for early refresh, and reported to `load` listeners.
  flight.startedAt = core.events.listening.load || flight.freshness?.earlyBeta !== undefined ? performance.now() : -1;
  let loading: unknown;
  try {
    loading = traced(tracing.load) ? traceLoader(core, namespace, id, thisArg, fn, args) : fn.apply(thisArg, args);
  } catch (error) {
    return Promise.reject(loadRejected(core, flight, namespace, id, error));
  }
  return Promise.resolve(loading).then(
    (value) => loaded(core, flight, namespace, id, policy, args, value),
    (error: unknown) => {
      throw loadRejected(core, flight, namespace, id, error);
    },
  );
}

/** The loader run as a traced `cacheflight:load` operation. */
function traceLoader(core: CacheCore, namespace: string, id: string, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
  return trace(tracing.load, { cache: core.name, operation: 'load', namespace, key: joinKey(namespace, id) }, () => Promise.resolve(fn.apply(thisArg, args)));
}

/** A load without the cache (after `close()`): counted and reported like any load. */
export async function runUncached(core: CacheCore, namespace: string, id: string, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
  core.counters.loads++;
  const started = core.events.listening.load ? performance.now() : -1;
  try {
    const value: unknown = await fn.apply(thisArg, args);
    if (started >= 0) core.events.emit('load', { key: joinKey(namespace, id), durationMs: performance.now() - started });
    return value;
  } catch (error) {
    core.loadFailed(namespace, id, error);
    throw error;
  }
}

/**
 * The loader of `flight` answered `value`: store it, and answer `value` itself to the initiating
 * caller (it may be the application's own state: the cache keeps a protected copy instead).
 */
function loaded(core: CacheCore, flight: Flight, namespace: string, id: string, policy: LoadPolicy, args: readonly unknown[], value: unknown): unknown {
  const started = flight.startedAt;
  // Measured for early refresh too: only `load` listeners get the event.
  if (started >= 0 && core.events.listening.load) core.events.emit('load', { key: joinKey(namespace, id), durationMs: performance.now() - started });
  let shared: unknown;
  try {
    shared = storeResult(core, flight, namespace, id, policy, value, args);
  } catch (error) {
    core.endFlight(namespace, id, flight);
    throw error;
  }
  flight.shared = shared;
  const write = flight.write;
  if (write === undefined) {
    core.endFlight(namespace, id, flight);
    return value;
  }
  if (core.required) {
    // Required stores surface write errors, so the caller waits for the write.
    return write.then(
      () => {
        core.endFlight(namespace, id, flight);
        return value;
      },
      (error: unknown) => {
        core.endFlight(namespace, id, flight);
        throw error;
      },
    );
  }
  // The caller gets its value now; the flight stays joinable until the write lands, so that
  // callers arriving meanwhile do not read a key that is not written yet and load again.
  void write.then(() => core.endFlight(namespace, id, flight));
  return value;
}

/**
 * The loader of `flight` failed: report it, end the flight; answers the error to pass on. When
 * an old value is kept (stale or in grace), the key's loader backs off for `graceBackoff`.
 */
function loadRejected(core: CacheCore, flight: Flight, namespace: string, id: string, error: unknown): unknown {
  core.loadFailed(namespace, id, error, flight.background);
  if (flight.fallback !== undefined && !flight.superseded && flight.freshness !== undefined) core.backOff(joinKey(namespace, id), flight.freshness.graceBackoffMs);
  core.endFlight(namespace, id, flight);
  return error;
}
