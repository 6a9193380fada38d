/**
 * Processes: every scenario runs in a child process of its own (the orchestrator only collects),
 * and scenarios start further children where the measure needs a fresh heap or a second process.
 * A child answers with one `@@RESULT <json>` line on stdout; everything else it prints is progress.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from './stats.js';
import type { Role } from './rows.js';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = join(BENCH_DIR, '..');

/** What the orchestrator tells every scenario (env `BENCH_CONFIG`). */
export interface BenchConfig {
  /** A few iterations of every row, checking that each ran and cached. */
  readonly smoke: boolean;
  /** URL of the bench's own redis-server, when one runs. */
  readonly redisUrl?: string;
  /** Why Redis scenarios cannot run, when they cannot. */
  readonly redisMissing?: string;
  /** Only these rows (substring match), when set. */
  readonly only?: string;
}

export function benchConfig(): BenchConfig {
  const raw = process.env['BENCH_CONFIG'];
  return raw ? (JSON.parse(raw) as BenchConfig) : { smoke: process.argv.includes('--smoke') };
}

/** One row of one results table. */
export interface RowResult {
  readonly name: string;
  readonly role: Role;
  readonly pkg: string;
  readonly config: string;
  /** The figure (unit of its table) over the samples. */
  readonly summary?: Summary;
  /** Loader runs (per process, or as the table says). */
  readonly loads?: number;
  /** What `loads` should be for a row that caches (and single-flights, where the table says so). */
  readonly expectedLoads?: number;
  /** `false` when the loader ran more than a caching row's should have. */
  readonly cachingOk?: boolean;
  /** Probes answered with another call's value. */
  readonly probesWrong?: readonly string[];
  /** More columns, e.g. Redis commands per call. */
  readonly extra?: Readonly<Record<string, string>>;
  /** The row could not run. */
  readonly error?: string;
  /** Does not count against the smoke run (e.g. a peer known not to single-flight here). */
  readonly informational?: boolean;
}

export interface TableResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  /** Name of the row the ratios divide by. */
  readonly floor: string;
  /** Name of the cacheflight row the second ratio divides by. */
  readonly cacheflight?: string;
  readonly rows: readonly RowResult[];
  readonly notes: readonly string[];
  /** Keys of `extra` shown as columns of their own (not in the notes). */
  readonly columns?: readonly string[];
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly tables: readonly TableResult[];
  readonly notes: readonly string[];
}

const MARK = '@@RESULT ';

/** Child side: hand the result to the parent. */
export function emitResult(result: unknown): void {
  process.stdout.write(MARK + JSON.stringify(result) + '\n');
}

export interface ChildOptions {
  readonly args?: readonly string[];
  readonly nodeFlags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Prefix for the child's progress lines (stderr). */
  readonly label?: string;
  /** Give the child an IPC channel (for start signals). */
  readonly ipc?: boolean;
  readonly onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** The `--import` that makes node run TypeScript: tsx from bench/node_modules (set by run.mjs). */
export function tsxImport(): string {
  const url = process.env['BENCH_TSX'];
  if (!url) throw new Error('BENCH_TSX is not set: start the bench with `npm run bench` (bench/run.mjs)');
  return url;
}

/** Run `script` (a .ts file) under tsx in a child node; answers its `@@RESULT` payload. */
export function runChild<T>(script: string, options: ChildOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', tsxImport(), script, ...(options.args ?? [])], {
      cwd: REPO_DIR,
      env: { ...process.env, ...(options.env ?? {}) },
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let result: T | undefined;
    let stdoutBuffer = '';
    let stderrTail = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label ?? script} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 15 * 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBuffer += chunk.toString('utf8');
      let eol: number;
      while ((eol = stdoutBuffer.indexOf('\n')) !== -1) {
        const line = stdoutBuffer.slice(0, eol);
        stdoutBuffer = stdoutBuffer.slice(eol + 1);
        if (line.startsWith(MARK)) result = JSON.parse(line.slice(MARK.length)) as T;
        else if (line.trim() !== '') process.stderr.write(`  ${options.label ? `[${options.label}] ` : ''}${line}\n`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderrTail = (stderrTail + text).slice(-4000);
      process.stderr.write(text.replace(/^(?=.)/gm, `  ${options.label ? `[${options.label}] ` : ''}`));
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`${options.label ?? script} exited ${code ?? signal} without a result${stderrTail ? `:\n${stderrTail}` : ''}`));
    });
  });
}

/** Child side: a progress line (stderr, so stdout stays the result channel). */
export function progress(line: string): void {
  process.stderr.write(line + '\n');
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? String(error) : String(error);
}

/** The columns that say which row a result is: name, role, package, configuration. */
export function rowIdentity(row: Pick<RowResult, 'name' | 'role' | 'pkg' | 'config'>): Pick<RowResult, 'name' | 'role' | 'pkg' | 'config'> {
  return { name: row.name, role: row.role, pkg: row.pkg, config: row.config };
}

/** The result of a row that could not run. */
export function failedRow(row: Pick<RowResult, 'name' | 'role' | 'pkg' | 'config'>, error: unknown): RowResult {
  return { ...rowIdentity(row), error: messageOf(error) };
}

/**
 * Set up each row in turn (create it, warm it up): the rows that are ready, and a result row
 * for each one that could not be set up (its error is reported, the others still run).
 */
export async function prepareRows<R extends Pick<RowResult, 'name' | 'role' | 'pkg' | 'config'>, P>(
  rows: readonly R[],
  prepare: (row: R) => Promise<P>,
): Promise<{ prepared: P[]; failed: RowResult[] }> {
  const prepared: P[] = [];
  const failed: RowResult[] = [];
  for (const row of rows) {
    try {
      prepared.push(await prepare(row));
    } catch (error) {
      failed.push(failedRow(row, error));
    }
  }
  return { prepared, failed };
}
