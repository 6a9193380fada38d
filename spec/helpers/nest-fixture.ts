/**
 * Runs a NestJS fixture of spec/fixtures/ as Nest applications run: compiled by tsc with
 * experimentalDecorators and emitDecoratorMetadata (tsx emits no design:* metadata, which DI
 * needs) against the built package, in a child process (so that Nest's reflect-metadata stays
 * out of the test process). Needs `npm run build` first.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/** A running fixture: its process, every IPC message it sent so far, and what it wrote to stderr. */
export interface NestFixture {
  readonly child: ChildProcess;
  readonly messages: unknown[];
  /** The next message (the first one not yet taken); rejects when the process exits first. */
  next(): Promise<unknown>;
  stderr(): string;
  /** Resolves with the exit code; kills it (and rejects) when it has not exited within `ms`. */
  exit(ms?: number): Promise<number | null>;
  /** Removes the compiled output. */
  clean(): void;
}

/** Compiles `file` (a path under spec/fixtures) with tsc and forks the output. */
export function startNestFixture(file: string): NestFixture {
  if (!existsSync('dist/esm/nestjs/index.js')) throw new Error('dist/ is missing: run `npm run build` before this spec (npm test does).');
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const rootDir = dirname(file);
  // One output directory per process and fixture, so two runs at once do not delete each other's.
  const outDir = join(rootDir, `.out-${basename(file, '.ts')}-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [
      tsc, '--ignoreConfig', '--experimentalDecorators', '--emitDecoratorMetadata', '--strict', '--target', 'es2022',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--rootDir', rootDir, '--outDir', outDir, file,
    ], { stdio: 'pipe' });
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`tsc failed on ${file}:\n${String((error as { stdout?: Buffer }).stdout ?? error)}`);
  }
  const child = fork(join(outDir, basename(file, '.ts') + '.js'), [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const messages: unknown[] = [];
  const waiting: Array<(message: unknown) => void> = [];
  child.on('message', (message) => {
    messages.push(message);
    waiting.shift()?.(message);
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let taken = 0;
  return {
    child,
    messages,
    stderr: () => stderr,
    next() {
      const index = taken++;
      if (index < messages.length) return Promise.resolve(messages[index]);
      return Promise.race([
        new Promise<unknown>((resolve) => waiting.push(resolve)),
        exited.then(([code]) => {
          throw new Error(`The fixture ${file} exited (code ${String(code)}) before sending a message:\n${stderr}`);
        }),
      ]);
    },
    async exit(ms = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'open'>((resolve) => (timer = setTimeout(resolve, ms, 'open')));
      const outcome = await Promise.race([exited, deadline]);
      clearTimeout(timer);
      if (outcome === 'open') {
        child.kill('SIGKILL');
        throw new Error(`The fixture ${file} was still running ${ms} ms after it was done: a handle was left open.\n${stderr}`);
      }
      return outcome[0];
    },
    clean: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
