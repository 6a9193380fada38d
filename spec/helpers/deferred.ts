/** A promise with its resolve/reject exposed, to hold a loader in flight while a test acts. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Create a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Let pending promise callbacks run. */
export async function flushMicrotasks(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Sleep on the real clock. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Default bound of {@link until}: generous, because on a loaded machine (the suite's own Redis
 * processes, other work on two cores) a reconnect or a pub/sub round trip can take seconds. It
 * only delays a failing test; a passing one waits for its condition, never for the bound. Below
 * mocha's timeout (.mocharc), so that a miss fails with {@link until}'s message.
 */
export const WAIT_MS = 20_000;

/** Options of {@link until}. */
export interface UntilOptions {
  /** The bound; default {@link WAIT_MS}. */
  readonly timeoutMs?: number;
  /** What is awaited, in words, for the failure message. */
  readonly what?: string;
  /** State worth seeing when the wait fails (e.g. a store's stats), printed as JSON. */
  readonly state?: () => unknown;
}

/**
 * Wait (on the real clock) until `condition` holds (it may answer a promise); fails after the
 * bound with a message naming what was awaited and, when given, the state at that moment.
 */
export async function until(condition: () => boolean | Promise<boolean>, options: number | UntilOptions = {}): Promise<void> {
  const { timeoutMs = WAIT_MS, what = condition.toString(), state } = typeof options === 'number' ? { timeoutMs: options } : options;
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) {
      let seen = '';
      if (state) {
        try {
          seen = `; state: ${JSON.stringify(state())}`;
        } catch (error) {
          seen = `; state unavailable: ${String(error)}`;
        }
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${seen}`);
    }
    await sleep(5);
  }
}
