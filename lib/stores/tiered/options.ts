/**
 * Options of `tieredStore`: strict validation at creation (an `InvalidOptionError` naming the
 * option and saying what to give), defaults applied.
 */
import { InvalidOptionError } from '../../core/errors.js';
import { describeValue, rejectUnknownOptions } from '../../core/option-checks.js';
import { parseDuration, type Duration } from '../../core/durations.js';
import { hasBrand, MEMORY_STORE_BRAND, REDIS_STORE_BRAND } from '../../core/brands.js';
import type { MemoryStore } from '../memory.js';
import type { RedisStore } from '../redis/store.js';

/** Options of {@link tieredStore}. `l1` and `l2` are required; unknown names are rejected. */
export interface TieredStoreOptions {
  /**
   * The in-process tier, e.g. `memoryStore({ maxEntries: 10_000 })`: hot entries are answered
   * from it synchronously. Owned by the tiered store from now on (closed with it); give each
   * tiered store its own.
   */
  readonly l1: MemoryStore;
  /**
   * The shared tier, e.g. `redisStore({ url, prefix })`: the source of truth every process reads
   * through on an L1 miss. Its prefix also names the invalidation channel, so processes sharing
   * entries (same prefix) keep their L1s coherent. Owned by the tiered store (closed with it).
   */
  readonly l2: RedisStore;
  /**
   * Longest time an entry stays in L1, whatever its TTL (it is still read from L2 afterwards, and
   * promoted again). Bounds how stale an L1 copy can get if an invalidation message is ever lost.
   * A {@link Duration} > 0 (`'30s'`, `60_000`...); default `Infinity` (the entry's own TTL).
   */
  readonly l1Ttl?: Duration | undefined;
  /**
   * The documented maximum staleness of L1 while the invalidation bus is not up (Redis down, the
   * subscriber connection lost, or not subscribed yet): L1 keeps answering an entry only while
   * `now - max(time it entered L1, time the bus went down)` is below this, and a value written or
   * read meanwhile stays in L1 no longer than this. So during an outage the source sees about one
   * load per key per `min(outageStaleness, l1Ttl)`, and an answer is never older than this
   * behind what this process last heard from the bus or the source. When the bus is up again, L1
   * is cleared. A finite {@link Duration} >= 0; `0` serves nothing from L1 while the bus is not
   * up (every read goes to Redis, every call loads while Redis is down). Default
   * {@link DEFAULT_OUTAGE_STALENESS} (`'10s'`).
   */
  readonly outageStaleness?: Duration | undefined;
  /**
   * How often the invalidation bus checks its subscriber connection with a PING, in ms. A
   * connection that does not answer before the next check (a half-open socket, a hung server)
   * counts as lost: L1 stops being served until a fresh connection is subscribed again. Default
   * {@link DEFAULT_BUS_HEARTBEAT_MS}; 10 to 600,000.
   */
  readonly heartbeatMs?: number | undefined;
  /** Name for logs and health output. Default `tiered(<l1 name>+<l2 name>)`. */
  readonly name?: string | undefined;
}

/** Default {@link TieredStoreOptions.outageStaleness}: ten seconds. */
export const DEFAULT_OUTAGE_STALENESS = '10s';

/** Default {@link TieredStoreOptions.heartbeatMs}. */
export const DEFAULT_BUS_HEARTBEAT_MS = 2_000;

/** {@link TieredStoreOptions} validated, with defaults applied. */
export interface ResolvedTieredStoreOptions {
  readonly l1: MemoryStore;
  readonly l2: RedisStore;
  /** `Infinity` when L1 keeps entries for their whole TTL. */
  readonly l1TtlMs: number;
  /** Finite, `>= 0` (`0`: L1 is not served while the bus is not up). */
  readonly outageStalenessMs: number;
  readonly heartbeatMs: number;
  readonly name: string;
}

const KNOWN_OPTIONS: readonly string[] = ['l1', 'l2', 'l1Ttl', 'outageStaleness', 'heartbeatMs', 'name'];
const EXAMPLE = `tieredStore({ l1: memoryStore({ maxEntries: 10_000 }), l2: redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'orders' }) })`;

/**
 * Stores already used as a tier. A tier shared by two tiered stores would be cleared, closed and
 * invalidated by both, behind the other's back. On `globalThis` under a registered symbol, so that
 * the package's ESM and CommonJS builds see the same claims.
 */
const CLAIMED_KEY = Symbol.for('cacheflight.tiers');
const claimHolder = globalThis as typeof globalThis & { [CLAIMED_KEY]?: WeakSet<object> };
const claimed: WeakSet<object> = (claimHolder[CLAIMED_KEY] ??= new WeakSet<object>());

/**
 * Validate `tieredStore` options and apply defaults. On success, `l1` and `l2` are claimed: a
 * later tiered store given one of them is rejected.
 *
 * @throws InvalidOptionError naming the option, the value given and what is accepted
 * @throws InvalidTtlError when `l1Ttl` or `outageStaleness` is negative, `NaN` or does not parse
 */
export function resolveTieredStoreOptions(options: unknown): ResolvedTieredStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`tieredStore options must be an object such as ${EXAMPLE}, not ${describeValue(options)}.`);
  }
  const given = options as Record<string, unknown>;
  rejectUnknownOptions('tieredStore', given, KNOWN_OPTIONS);
  const { l1, l2 } = given;
  // Brands rather than instanceof: stores of the package's other build (ESM / CommonJS) are welcome too.
  if (!hasBrand<MemoryStore>(l1, MEMORY_STORE_BRAND)) {
    throw new InvalidOptionError(
      `tieredStore option "l1" is ${describeValue(l1)}; give a memory store (the in-process tier), e.g. ${EXAMPLE}.`,
    );
  }
  if (!hasBrand<RedisStore>(l2, REDIS_STORE_BRAND)) {
    throw new InvalidOptionError(
      `tieredStore option "l2" is ${hasBrand(l2, MEMORY_STORE_BRAND) ? 'a memory store' : describeValue(l2)}; give a Redis store (the shared tier, ` +
        `whose pub/sub carries the invalidations), e.g. ${EXAMPLE}.`,
    );
  }
  for (const [option, store] of [['l1', l1], ['l2', l2]] as const) {
    if (claimed.has(store)) {
      throw new InvalidOptionError(
        `tieredStore option "${option}": this store is already a tier of another tiered store; give each tiered store its own ` +
          `${option === 'l1' ? 'memoryStore()' : 'redisStore()'} (several tiered stores may share a Redis server and prefix through their own redisStore).`,
      );
    }
  }

  let l1TtlMs = Infinity;
  if (given['l1Ttl'] !== undefined) {
    l1TtlMs = parseDuration(given['l1Ttl'], 'tieredStore option "l1Ttl"');
    if (l1TtlMs === 0) {
      throw new InvalidOptionError(
        `tieredStore option "l1Ttl" is 0, which would keep nothing in L1; give a duration > 0 such as '30s', leave it out ` +
          `(entries stay in L1 for their TTL), or use the redisStore alone.`,
      );
    }
  }

  const outageStalenessMs = parseDuration(given['outageStaleness'] ?? DEFAULT_OUTAGE_STALENESS, 'tieredStore option "outageStaleness"');
  if (outageStalenessMs === Infinity) {
    throw new InvalidOptionError(
      `tieredStore option "outageStaleness" is Infinity, which would let L1 answer without bound while no invalidation can reach it; ` +
        `give a finite duration such as '10s' (the default), or 0 to serve nothing from L1 while the bus is down.`,
    );
  }

  const heartbeatMs = given['heartbeatMs'] ?? DEFAULT_BUS_HEARTBEAT_MS;
  if (typeof heartbeatMs !== 'number' || !Number.isFinite(heartbeatMs) || heartbeatMs < 10 || heartbeatMs > 600_000) {
    throw new InvalidOptionError(
      `tieredStore option "heartbeatMs" is ${describeValue(heartbeatMs)}; give a number of milliseconds from 10 to 600000. The default is ${DEFAULT_BUS_HEARTBEAT_MS}.`,
    );
  }

  const name = given['name'] ?? `tiered(${l1.name}+${l2.name})`;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError(`tieredStore option "name" is ${describeValue(name)}; give a non-empty string such as 'orders-cache'.`);
  }
  claimed.add(l1);
  claimed.add(l2);
  return { l1, l2, l1TtlMs, outageStalenessMs, heartbeatMs, name };
}
