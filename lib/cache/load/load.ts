import { joinKey, type StoredEntry } from '../../stores/store.js';
import type { CacheCore } from '../cache-core.js';
import { readStored } from '../immutability.js';
import { Flight } from './flight.js';
import type { LoadPolicy } from './policy.js';
import { loadAndStore, runUncached } from './run-loader.js';

/**
 * The single-flight read-through of `getOrSet` and the decorators, in the order a call goes
 * through it: join a flight of the same key, or read the store; a hit answers (synchronously
 * read from an in-process store: no promise work but the answer's), a miss starts a flight that
 * runs the loader and stores its result (`run-loader.ts`, `store-result.ts`).
 */
export function load(core: CacheCore, namespace: string, id: string, policy: LoadPolicy, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
  if (core.flights.size !== 0) {
    const flight = core.flights.get(namespace, id);
    if (flight !== undefined) return join(core, namespace, id, flight);
  }
  if (core.closed) {
    const result = runUncached(core, namespace, id, thisArg, fn, args);
    core.lastLoadMissed = true;
    return result;
  }
  let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
  try {
    found = core.store.get(namespace, id);
  } catch (error) {
    found = Promise.reject(error);
  }
  if (found === undefined || found instanceof Promise) {
    const flight = new Flight(++core.seq);
    core.flights.add(namespace, id, flight);
    flight.promise =
      found === undefined
        ? loadAndStore(core, flight, namespace, id, policy, thisArg, fn, args)
        : readThenLoad(core, flight, namespace, id, policy, thisArg, fn, args, found);
    // Set after the loader started: it may have run other loads meanwhile.
    core.lastLoadMissed = found === undefined;
    return flight.promise;
  }
  core.lastLoadMissed = false;
  core.counters.hits++;
  if (core.events.listening.hit) core.events.emit('hit', { key: joinKey(namespace, id) });
  return Promise.resolve(readStored(found.value, core.immutability));
}

/** A call of a key whose load (or store read) is in flight: it gets that flight's answer. */
function join(core: CacheCore, namespace: string, id: string, flight: Flight): Promise<unknown> {
  core.lastLoadMissed = false;
  core.counters.joined++;
  flight.joiners++;
  if (core.events.listening.joined) core.events.emit('joined', { key: joinKey(namespace, id) });
  return core.immutability === 'none' ? flight.promise : flight.promise.then(() => core.reveal(flight.shared));
}

/**
 * A flight whose store read is pending (stores answering with promises): the read, then a load
 * when it found nothing.
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
  let entry: StoredEntry | undefined;
  try {
    entry = await core.guard('get', joinKey(namespace, id), () => pendingGet, undefined);
  } catch (error) {
    core.endFlight(namespace, id, flight);
    throw error;
  }
  if (entry === undefined) return loadAndStore(core, flight, namespace, id, policy, thisArg, fn, args);
  core.countRead(namespace, id, entry);
  core.endFlight(namespace, id, flight);
  // A decoded value read for one caller is its own; callers joined on the read share it, so
  // then it is protected like a loaded one. (No one can join after endFlight.)
  if (!core.store.sharesReferences && flight.joiners === 0) return entry.value;
  flight.shared = core.store.sharesReferences ? entry.value : core.protectOwned(entry.value);
  return core.reveal(flight.shared);
}
