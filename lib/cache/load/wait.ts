import { joinKey } from '../../stores/store.js';
import { TimeoutError } from '../../core/errors.js';
import type { CacheCore } from '../cache-core.js';
import type { Flight, Kept } from './flight.js';
import type { Freshness } from './freshness.js';

/**
 * One caller's wait for `flight`: `source` is the flight's answer as this caller would get it.
 * With a value kept for grace (`kept`), a failed load, the soft timeout or the hard timeout
 * answers that value instead; without one, the hard timeout rejects with `TimeoutError`. The load
 * itself goes on either way, and stores its result when it arrives. A flight superseded by an
 * eviction, put or invalidation never falls back: what it kept was evicted. Without a kept value
 * nor a hard timeout, the caller simply gets `source`.
 */
export function waitFor(
  core: CacheCore,
  namespace: string,
  id: string,
  flight: Flight,
  source: Promise<unknown>,
  kept: Kept | undefined,
  freshness: Freshness | undefined = flight.freshness,
): Promise<unknown> {
  const softMs = kept === undefined ? undefined : freshness?.softTimeoutMs;
  const hardMs = freshness?.hardTimeoutMs;
  if (kept === undefined && hardMs === undefined) return source;
  // This caller's trace (its outcome becomes `graced` when the kept value answers it).
  const trace = core.trace;
  return new Promise((resolve, reject) => {
    let done = false;
    let soft: ReturnType<typeof setTimeout> | undefined;
    let hard: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      done = true;
      if (soft !== undefined) clearTimeout(soft);
      if (hard !== undefined) clearTimeout(hard);
    };
    const answerKept = (reason: 'load-failed' | 'timeout'): void => {
      const value = kept as Kept;
      const previous = core.trace;
      core.trace = trace;
      core.countGraced(namespace, id, value.entry, reason);
      core.trace = previous;
      // Callers joined on a store read share what its starter gets.
      flight.shared = value.shared;
      resolve(core.reveal(value.shared));
    };
    const timedOut = (kind: 'soft' | 'hard', afterMs: number): void => {
      core.counters.timeouts++;
      if (core.events.listening.timeout) core.events.emit('timeout', { key: joinKey(namespace, id), kind, afterMs });
    };
    source.then(
      (value) => {
        if (done) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        finish();
        if (kept !== undefined && !flight.superseded) answerKept('load-failed');
        else reject(error);
      },
    );
    if (softMs !== undefined) {
      soft = setTimeout(() => {
        if (done || flight.superseded) return;
        finish();
        timedOut('soft', softMs);
        answerKept('timeout');
      }, softMs);
      soft.unref?.();
    }
    if (hardMs !== undefined) {
      hard = setTimeout(() => {
        if (done) return;
        finish();
        timedOut('hard', hardMs);
        if (kept !== undefined && !flight.superseded) {
          answerKept('timeout');
          return;
        }
        reject(
          new TimeoutError(
            `The load of '${joinKey(namespace, id)}' took longer than hardTimeout (${hardMs} ms); it goes on and stores its result when it arrives. Lengthen hardTimeout, or add grace so that an old value answers.`,
          ),
        );
      }, hardMs);
      hard.unref?.();
    }
  });
}
