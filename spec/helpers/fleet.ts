/**
 * A fleet of worker processes (spec/fixtures/fleet/worker.ts) sharing one Redis prefix, for
 * specs of cross-process behaviour: each worker runs a Cache, the parent drives it over IPC and
 * records every loader run of the whole fleet. `stop()` always kills every worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FleetAnswer, FleetLoad, FleetLoader, FleetRequest } from './fleet-protocol.js';

const WORKER = fileURLToPath(new URL('../fixtures/fleet/worker.ts', import.meta.url));

/** One worker process. */
export class FleetWorker {
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #seq = 0;
  readonly exited: Promise<unknown>;

  constructor(
    readonly child: ChildProcess,
    private readonly onLoad: (message: { op: string; pid: number; key: string; at: number }) => void,
  ) {
    child.on('message', (message: { op: string; id?: number; result?: unknown; error?: string; pid: number; key: string; at: number }) => {
      if (message.op === 'load-start' || message.op === 'load-end') this.onLoad(message);
      if (message.op !== 'reply' || message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`worker ${child.pid}: ${message.error}`));
      else pending?.resolve(message.result);
    });
    this.exited = once(child, 'exit');
    void this.exited.then(() => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`worker ${child.pid} exited`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Send a request; resolves with the worker's reply. */
  ask<T = unknown>(request: FleetRequest): Promise<T> {
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  /** `callers` concurrent `getOrSet(key)` calls in this worker. */
  call(key: string, callers: number, loader: FleetLoader, options?: Record<string, unknown>): Promise<FleetAnswer[]> {
    return this.ask<FleetAnswer[]>({ op: 'call', key, callers, loader, options });
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Workers sharing a prefix, and the loads they ran. */
export class Fleet {
  readonly loads: FleetLoad[] = [];

  private constructor(readonly workers: readonly FleetWorker[]) {}

  /** Start `count` workers, each with a Cache initialised by `init`. */
  static async start(count: number, init: Omit<Extract<FleetRequest, { op: 'init' }>, 'op'>): Promise<Fleet> {
    const workers: FleetWorker[] = [];
    const fleet = new Fleet(workers);
    const onLoad = (message: { op: string; pid: number; key: string; at: number }): void => fleet.#record(message);
    try {
      for (let i = 0; i < count; i++) {
        const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const worker = new FleetWorker(child, onLoad);
        workers.push(worker);
      }
      await Promise.all(workers.map(async (worker) => {
        const [message] = (await Promise.race([once(worker.child, 'message'), worker.exited.then(() => [{ op: 'exited' }])])) as [{ op: string }];
        if (message.op !== 'started') throw new Error(`fleet worker ${worker.pid} did not start`);
        await worker.ask({ op: 'init', ...init });
      }));
      return fleet;
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }

  #record(message: { op: string; pid: number; key: string; at: number }): void {
    if (message.op === 'load-start') {
      this.loads.push({ pid: message.pid, key: message.key, start: message.at, end: undefined });
      return;
    }
    const load = this.loads.find((candidate) => candidate.pid === message.pid && candidate.key === message.key && candidate.end === undefined);
    if (load !== undefined) load.end = message.at;
  }

  /** The loads of `key`. */
  loadsOf(key: string): FleetLoad[] {
    return this.loads.filter((load) => load.key === key);
  }

  /**
   * The largest number of loads of `key` that ran at once (by their wall-clock times; a load still
   * running counts until now). `slackMs` forgives the clocks of two processes that far apart.
   */
  maxConcurrentLoads(key: string, slackMs = 1): number {
    const loads = this.loadsOf(key);
    let max = 0;
    for (const load of loads) {
      const end = load.end ?? Infinity;
      const overlapping = loads.filter((other) => other.start < end - slackMs && (other.end ?? Infinity) > load.start + slackMs).length;
      max = Math.max(max, overlapping);
    }
    return max;
  }

  /** Close every worker's cache, then kill the processes. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          await Promise.race([worker.ask({ op: 'close' }).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
        }
        await worker.kill();
      }),
    );
  }
}
