/**
 * The one workload every row runs: an async service method `getProduct(id, query, filter)`
 * whose body (the "loader") counts its runs. Every row wraps the same loader, so a row that
 * answers fast without caching (loads grow with calls) or caches wrongly (a probe gets another
 * call's answer) is caught.
 */
import { inspect } from 'node:util';

/** The arguments of scenario A, as the issue gives them. */
export const A_ID = 42;
export const A_QUERY = 'abc';
export const A_FILTER: { a: number; b: number[] } = { a: 1, b: [1, 2] };

/**
 * Scenario G's warm keys: argument lists of A's shape, `(100_000 + k, 'abc', { a: 1, b: [1, 2] })`
 * for k < G_KEYS, so consecutive calls cycling through them never repeat their arguments.
 */
export const G_KEYS = 10_000;
/** The first id of scenario G (apart from A's 42, B's ids from 10,000,000 and the probes' 7 to 10). */
export const G_FIRST_ID = 100_000;

/**
 * Scenario G's argument lists, built once before any timing: the ids, and a filter object of its
 * own for every key (as a service gets a fresh object per request: no row can tell keys apart by
 * the object's identity), all of A's shape. The query is A's string.
 */
export function manyKeyArguments(keys: number): { readonly ids: readonly number[]; readonly filters: ReadonlyArray<{ a: number; b: number[] }> } {
  const ids: number[] = [];
  const filters: Array<{ a: number; b: number[] }> = [];
  for (let k = 0; k < keys; k++) {
    ids.push(G_FIRST_ID + k);
    filters.push({ a: 1, b: [1, 2] });
  }
  return { ids, filters };
}

/** What the loader returns: a small, typical record. `sig` is only set by probe loaders. */
export interface Product {
  readonly id: number;
  readonly name: string;
  readonly price: number;
  readonly tags: readonly string[];
  readonly sig?: string;
}

/** The method every row memoizes. */
export type GetProduct = (id: number, query: string, filter: unknown) => Promise<Product>;

/** How a loader behaves: instant, or after `delayMs` (a slow database). */
export interface LoaderOptions {
  /** Wait this long before answering (setTimeout). 0: answer at once (still async). */
  readonly delayMs?: number;
  /** Put a precise description of the arguments in the result (for probes). */
  readonly withSignature?: boolean;
}

/** The loader body plus its run counter. */
export interface Loader {
  /** The method body; `this` is ignored. */
  readonly fn: (id: number, query: string, filter: unknown) => Promise<Product>;
  /** How many times `fn` ran. */
  runs: number;
}

export function makeLoader(options: LoaderOptions = {}): Loader {
  const delayMs = options.delayMs ?? 0;
  const withSignature = options.withSignature ?? false;
  const loader: Loader = {
    runs: 0,
    fn: async (id, query, filter) => {
      loader.runs++;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const product: Product = { id, name: `Product ${id}`, price: 9.99, tags: ['a', 'b'] };
      return withSignature ? { ...product, sig: signature([id, query, filter]) } : product;
    },
  };
  return loader;
}

/** A description that tells apart every pair of argument lists the probes use. */
export function signature(args: readonly unknown[]): string {
  return inspect(args, { depth: null, sorted: true, compact: true, breakLength: Infinity });
}

/**
 * Pairs of argument lists that must NOT share an entry. The second call of each pair must get
 * its own answer; a row that answers it with the first call's value caches wrongly. Ids stay
 * apart from every id the timed scenarios use, so probes never pre-warm a timed key.
 */
export const PROBES: ReadonlyArray<{ readonly name: string; readonly first: [number, string, unknown]; readonly second: [number, string, unknown] }> = [
  { name: '2nd arg', first: [7, 'abc', { a: 1, b: [1, 2] }], second: [7, 'abd', { a: 1, b: [1, 2] }] },
  { name: 'nested', first: [8, 'abc', { a: 1, b: [1, 2] }], second: [8, 'abc', { a: 1, b: [1, 3] }] },
  { name: 'null/undefined', first: [9, 'abc', null], second: [9, 'abc', undefined] },
  { name: 'Date/ISO string', first: [10, 'abc', new Date(0)], second: [10, 'abc', new Date(0).toISOString()] },
];

/** Run the probes through `call`; answers the names of the probes that got a wrong answer. */
export async function runProbes(call: GetProduct): Promise<string[]> {
  const wrong: string[] = [];
  for (const probe of PROBES) {
    const first = await call(...probe.first);
    const second = await call(...probe.second);
    if (first?.sig !== signature(probe.first) || second?.sig !== signature(probe.second)) wrong.push(probe.name);
  }
  return wrong;
}
