/**
 * Time bounds that hold on a loaded machine. A test that an operation settles within its 200 ms
 * timeout is about the operation not waiting for anything else (a reconnect, a queue), not about
 * how busy the machine is: when the machine runs timers late, the store's own timer fires late
 * too. So the bound is stretched by the lateness of a reference timer of the same length,
 * started with the operation.
 */

/** What {@link timedAgainst} measured. */
export interface Timed<T> {
  /** What `run` answered. */
  readonly value: T;
  /** How long `run` took. */
  readonly ms: number;
  /** `boundMs` plus how late the reference timer fired (0 when it had not fired yet). */
  readonly boundMs: number;
}

/** Run `run` beside a reference timer of `boundMs`; answers its time and the stretched bound. */
export async function timedAgainst<T>(run: () => Promise<T>, boundMs: number): Promise<Timed<T>> {
  const started = performance.now();
  let firedAt: number | undefined;
  const reference = setTimeout(() => {
    firedAt = performance.now();
  }, boundMs);
  try {
    const value = await run();
    const ms = performance.now() - started;
    return { value, ms, boundMs: boundMs + (firedAt === undefined ? 0 : Math.max(0, firedAt - started - boundMs)) };
  } finally {
    clearTimeout(reference);
  }
}
