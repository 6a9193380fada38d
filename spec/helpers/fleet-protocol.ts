/** The IPC messages between a fleet spec and its worker processes (spec/fixtures/fleet/worker.ts). */

/** How a worker's loader behaves. */
export interface FleetLoader {
  /** How long it takes, in ms. */
  readonly ms: number;
  /** Reject after `ms`. */
  readonly fail?: boolean;
  /** Never settle (a process that will be killed mid-load). */
  readonly hang?: boolean;
  /** The value's stem (default: the key); the answer is `<stem>@<pid>#<n>`. */
  readonly value?: string;
}

/** What the parent asks a worker. */
export type FleetRequest =
  | { readonly op: 'init'; readonly url: string; readonly prefix: string; readonly tiered?: boolean; readonly commandTimeoutMs?: number; readonly options?: Record<string, unknown> }
  | { readonly op: 'call'; readonly key: string; readonly callers: number; readonly loader: FleetLoader; readonly options?: Record<string, unknown> }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'set'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'invalidateTags'; readonly tags: readonly string[] }
  | { readonly op: 'deleteNamespace'; readonly namespace: string }
  | { readonly op: 'clear' }
  | { readonly op: 'close' };

/** One caller's answer in a worker. */
export type FleetAnswer = { readonly ok: true; readonly value: string; readonly at: number } | { readonly ok: false; readonly error: string; readonly at: number };

/** A loader run somewhere in the fleet (wall-clock ms). */
export interface FleetLoad {
  readonly pid: number;
  readonly key: string;
  readonly start: number;
  end: number | undefined;
}
