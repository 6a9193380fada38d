/**
 * What a benchmark row is: a named way of memoizing the workload's `getProduct`, created from a
 * context (loader, bound, Redis URL), called like the method, and reset between samples.
 */
import type { Loader, Product } from './workload.js';

/** `floor`: the reference the ratios divide by; `baseline`: other references; the rest compete. */
export type Role = 'floor' | 'baseline' | 'cacheflight' | 'peer';

export interface RowContext {
  /** The loader the row memoizes (its `runs` is the row's load count). */
  readonly loader: Loader;
  /** Bound of the row's in-memory store (rows that have one). */
  readonly maxEntries: number;
  /** Redis rows: where Redis listens. */
  readonly redisUrl?: string;
  /** Redis rows: a key prefix of their own, so rows never share entries. */
  readonly prefix: string;
}

/** One created row: `call` behaves as `service.getProduct(id, query, filter)`. */
export interface RowInstance {
  /** May answer a plain value (the floor does: `await map.get(...)`); the harness always awaits. */
  readonly call: (id: number, query: string, filter: unknown) => Product | Promise<Product>;
  /** Forget every entry (the library's documented clear, or a new instance). */
  reset(): Promise<void>;
  /** Release timers and connections. */
  close(): Promise<void>;
  /** cacheflight rows on a backend: the store errors reported so far (`backend-error` events). */
  backendErrors?(): number;
  /**
   * cacheflight rows: calls so far that waited for a load by the cache's own counters (misses,
   * which load, plus calls that joined a load in flight); stale and graced answers do not wait.
   */
  loadWaits?(): number;
}

export interface RowDef {
  readonly name: string;
  readonly role: Role;
  /** Package whose version the results report (`cacheflight` for the repo's own). */
  readonly pkg: string;
  /** How the row is configured, for the results (docs-recommended setup). */
  readonly config: string;
  /** `false` for the un-memoized method: its loader runs on every call, by design. */
  readonly caches: boolean;
  /** `false` when the row has no single-flight (several loads for concurrent calls are expected). */
  readonly singleFlight: boolean;
  create(context: RowContext): Promise<RowInstance>;
}

/**
 * Import a peer library by name. The specifier is a variable on purpose: the repo's type-check
 * (`tsc -p tsconfig.json`, which includes bench/) must pass whether or not bench/node_modules is
 * installed, so peers are typed loosely and resolved only at run time (from bench/node_modules).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function importPeer(name: string): Promise<any> {
  return import(name);
}

/** Apply a legacy (`experimentalDecorators`) method decorator the way TypeScript's `__decorate` does. */
export function applyLegacyMethodDecorator(target: object, key: string, decorator: unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) throw new Error(`no method ${key} to decorate`);
  const result = (decorator as (t: object, k: string, d: PropertyDescriptor) => PropertyDescriptor | void)(target, key, descriptor);
  Object.defineProperty(target, key, result ?? descriptor);
}
