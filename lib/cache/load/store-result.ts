import { joinKey, splitKey, type LoadLease, type StoreSetOptions } from '../../stores/store.js';
import { InvalidTtlError } from '../../core/errors.js';
import { parseDuration } from '../../core/durations.js';
import type { CacheCore } from '../cache-core.js';
import { Flight } from './flight.js';
import type { Freshness } from './freshness.js';
import { validateTags, type LoadPolicy } from './policy.js';

/** The fallback of a failed write (reported as a backend error). */
const WRITE_FAILED: unique symbol = Symbol('write failed');

/** Why a result was not stored (the `store-skipped` event's reason). */
type SkipReason = 'unless' | 'ttl-zero' | 'invalidated-during-load' | 'invalid-ttl' | 'callback-failed';

/**
 * The last step of a load: protect the loaded value, decide whether and how it is stored (the
 * fence: a flight superseded by an eviction, a put or a tag invalidation stores nothing), and
 * start the write, never waiting for it (a write still pending is left in `flight.write`).
 * Answers the form the flight's callers share. When `unless` or a tags function answers a
 * promise, the callers are answered at once and the decision and write follow in `flight.write`.
 */
export function storeResult(core: CacheCore, flight: Flight, namespace: string, id: string, policy: LoadPolicy, value: unknown, args: readonly unknown[]): unknown {
  const shared = core.protect(value);
  if (flight.superseded) return skipStore(core, namespace, id, shared, 'invalidated-during-load');
  const declined = policy.unless?.(value, args);
  const tags = tagsOf(policy, value, args);
  if (declined instanceof Promise || tags instanceof Promise) {
    // The write takes the lease (if any) now: the load's end must not release it meanwhile.
    const lease = flight.lease;
    flight.lease = undefined;
    flight.write = Promise.all([declined, tags]).then(
      ([no, list]) => {
        if (no === true) {
          void lease?.release();
          skipStore(core, namespace, id, shared, 'unless');
          return undefined;
        }
        return writeResult(core, flight, namespace, id, policy, value, args, shared, list === undefined ? undefined : validateTags(list, `tags of ${policy.label}`), lease);
      },
      (error: unknown) => {
        void lease?.release();
        skipStore(core, namespace, id, shared, 'callback-failed', error instanceof Error ? error : new Error(String(error)));
      },
    );
    return shared;
  }
  if (declined === true) return skipStore(core, namespace, id, shared, 'unless');
  const lease = flight.lease;
  flight.lease = undefined;
  flight.write = writeResult(core, flight, namespace, id, policy, value, args, shared, tags, lease);
  return shared;
}

/**
 * Store `shared` (decided to be stored, with its `tags`): its TTL, the tag fence, the write
 * (under `lease` when the load holds one). Answers the write while the store has it pending.
 */
function writeResult(
  core: CacheCore,
  flight: Flight,
  namespace: string,
  id: string,
  policy: LoadPolicy,
  value: unknown,
  args: readonly unknown[],
  shared: unknown,
  tags: readonly string[] | undefined,
  lease: LoadLease | undefined,
): Promise<void> | undefined {
  const skip = (reason: SkipReason, error?: Error): undefined => {
    // A lease not written under ends here, so that waiting processes try at once.
    void lease?.release();
    skipStore(core, namespace, id, shared, reason, error);
    return undefined;
  };
  if (flight.superseded) return skip('invalidated-during-load');
  let ttlMs = policy.ttlMs ?? core.defaultTtlMs;
  if (policy.ttlOf !== undefined) {
    try {
      ttlMs = parseDuration(policy.ttlOf(value, args), `ttl function of ${policy.label}`);
    } catch (error) {
      if (!(error instanceof InvalidTtlError)) {
        void lease?.release();
        throw error;
      }
      // The application's function is at fault, not the store: no backend error.
      return skip('invalid-ttl', error);
    }
  }
  if (ttlMs === 0) return skip('ttl-zero');
  if (tags !== undefined && core.tagInvalidatedAt.size !== 0) {
    for (const tag of tags) {
      if ((core.tagInvalidatedAt.get(tag) ?? -1) > flight.startSeq) return skip('invalidated-during-load');
    }
  }
  // In-process stores keep the shared form; serializing stores get the plain value.
  const stored = core.store.sharesReferences ? shared : value;
  const freshness = flight.freshness;
  if (core.backoffUntil.size !== 0) core.endBackoff(joinKey(namespace, id));
  let written: void | boolean | Promise<void | boolean>;
  try {
    const loadMs = freshness?.earlyBeta !== undefined && flight.startedAt >= 0 ? performance.now() - flight.startedAt : undefined;
    let options = writeOptions(freshness, ttlMs, tags, loadMs);
    // Under a lease the write is fenced off if anything superseded the load in another process.
    if (lease !== undefined) options = { ...options, lease };
    written = core.store.set(namespace, id, stored, options);
  } catch (error) {
    written = Promise.reject(error);
  }
  if (written instanceof Promise) {
    const write = written;
    return core.guard<void | boolean | typeof WRITE_FAILED>('set', joinKey(namespace, id), () => write, WRITE_FAILED).then((stored) => {
      if (stored === false) skipStore(core, namespace, id, shared, 'invalidated-during-load');
      else if (stored !== WRITE_FAILED && core.events.listening.set) core.events.emit('set', { key: joinKey(namespace, id) });
    });
  }
  if (written === false) skipStore(core, namespace, id, shared, 'invalidated-during-load');
  else if (core.events.listening.set) core.events.emit('set', { key: joinKey(namespace, id) });
  return undefined;
}

/**
 * Store a computed result as `key`'s entry under `policy` (`@CachePut`): it supersedes a load in
 * flight, and answers the method's own result, untouched (the cache keeps a protected copy).
 */
export async function put(core: CacheCore, key: string, policy: LoadPolicy, value: unknown, args: readonly unknown[]): Promise<unknown> {
  if (core.closed) return value;
  const [namespace, id] = splitKey(key);
  core.flights.supersede(namespace, id);
  const flight = new Flight(++core.seq);
  flight.freshness = core.freshnessFor(policy);
  storeResult(core, flight, namespace, id, policy, value, args);
  if (flight.write !== undefined) await flight.write;
  return value;
}

/**
 * A write's options under a freshness policy (`undefined`: none): its windows, and for early
 * refresh its load's duration. Without windows or duration, the plain `{ ttlMs, tags }`.
 */
export function writeOptions(freshness: Freshness | undefined, ttlMs: number, tags: readonly string[] | undefined, loadMs?: number): StoreSetOptions {
  if (freshness === undefined) return { ttlMs, tags };
  // An entry that never expires has no stale or grace time to come.
  const windows = ttlMs === Infinity ? {} : { staleMs: freshness.staleMs || undefined, graceMs: freshness.graceMs || undefined };
  return { ttlMs, tags, ...windows, loadMs };
}

/** The entry's tags; a promise when a tags function answered one (checked once it settles). */
function tagsOf(policy: LoadPolicy, value: unknown, args: readonly unknown[]): readonly string[] | Promise<readonly string[] | undefined> | undefined {
  const fromArgs = policy.tagsOf?.(args);
  const fromResult = policy.resultTagsOf?.(value, args);
  if (fromArgs instanceof Promise || fromResult instanceof Promise) {
    return Promise.all([fromArgs, fromResult]).then(([first, second]) => (second === undefined ? first : first === undefined ? second : [...first, ...second]));
  }
  if (fromResult === undefined) return fromArgs === undefined ? undefined : validateTags(fromArgs, `tags of ${policy.label}`);
  const all = fromArgs === undefined ? fromResult : [...fromArgs, ...fromResult];
  return validateTags(all, `tags of ${policy.label}`);
}

function skipStore(core: CacheCore, namespace: string, id: string, shared: unknown, reason: SkipReason, error?: Error): unknown {
  if (core.events.listening['store-skipped']) core.events.emit('store-skipped', error === undefined ? { key: joinKey(namespace, id), reason } : { key: joinKey(namespace, id), reason, error });
  return shared;
}
