/**
 * Tracing through Node's `diagnostics_channel`: one tracing channel per kind of operation, for
 * OpenTelemetry, APMs and metrics. Each traced operation publishes `start`, `end`, `asyncStart`,
 * `asyncEnd` (and `error`) with one context object (see {@link CacheTraceContext}); the outcome
 * and the tier of a read are filled in by the time `asyncStart` is published.
 *
 * Nothing is traced while a channel has no subscriber: an operation checks one flag of the
 * channel's `start` channel and takes its untraced path.
 */
import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

/** What a read of the cache ended as (the `outcome` of a `cacheflight:get` trace). */
export type ReadOutcome = 'hit' | 'stale' | 'graced' | 'miss' | 'joined';

/** The context object of every cacheflight trace. */
export interface CacheTraceContext {
  /** The cache's name. */
  readonly cache: string;
  /** The operation: `getOrSet` (and decorated calls, `memoize`), `get`, `set`, `del`, `invalidateTags`... */
  readonly operation: string;
  /** The namespace of the key, when the operation has one key. */
  readonly namespace?: string | undefined;
  /** The joined key (`namespace:id`), when the operation has one key. */
  readonly key?: string | undefined;
  /** The tags of an invalidation. */
  readonly tags?: readonly string[] | undefined;
  /** Reads: what the read ended as. */
  outcome?: ReadOutcome | undefined;
  /** Reads of a tiered store: the tier that answered (`'l1'`, `'l2'`). */
  tier?: string | undefined;
  /** Set by `diagnostics_channel` when the operation fails. */
  error?: unknown;
  /** Set by `diagnostics_channel` to the operation's result. */
  result?: unknown;
}

/** The tracing channels, by operation kind. Subscribe with `diagnostics_channel.tracingChannel(name).subscribe(...)`. */
export const TRACING_CHANNELS = {
  /** Reads: `getOrSet`, decorated calls, `memoize`d calls, `get`. */
  get: 'cacheflight:get',
  /** Writes: `set`, `@CachePut`. (A load's write is part of its `load` trace.) */
  set: 'cacheflight:set',
  /** Deletes: `del`, `delMany`, `expire` (and so `@CacheEvict` of entries). */
  delete: 'cacheflight:delete',
  /** Invalidations: `invalidateTags`, `clearNamespace`, `clear` (and so `@CacheEvict` of tags or all entries). */
  invalidate: 'cacheflight:invalidate',
  /** Loader runs (a miss, a refresh, `forceFresh`), in this process. */
  load: 'cacheflight:load',
} as const;

type Channel = TracingChannel<object, CacheTraceContext>;

/** The channels themselves (created once per process; `tracingChannel` answers the same ones by name). */
export const tracing: { readonly [K in keyof typeof TRACING_CHANNELS]: Channel } = {
  get: tracingChannel(TRACING_CHANNELS.get) as Channel,
  set: tracingChannel(TRACING_CHANNELS.set) as Channel,
  delete: tracingChannel(TRACING_CHANNELS.delete) as Channel,
  invalidate: tracingChannel(TRACING_CHANNELS.invalidate) as Channel,
  load: tracingChannel(TRACING_CHANNELS.load) as Channel,
};

/** Whether `channel` is traced: one flag of its `start` channel. */
export function traced(channel: Channel): boolean {
  return channel.start.hasSubscribers;
}

/** Run `run` as a traced async operation of `channel` with `context`. */
export function trace<T>(channel: Channel, context: CacheTraceContext, run: () => Promise<T>): Promise<T> {
  return channel.tracePromise(run, context);
}
