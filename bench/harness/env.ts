/** What the results say about where and with what they were measured. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_DIR } from './child.js';

export interface Environment {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly redis: string;
  readonly cacheflight: string;
  readonly versions: Readonly<Record<string, string>>;
  /** Peers whose `engines.node` excludes this Node (they still ran, or their rows say why not). */
  readonly engineNotes: readonly string[];
  /** 1-minute load average when the run started (other work on the machine shows here). */
  readonly loadAtStart: number;
}

/** Load average when this module was loaded (the orchestrator loads it at start). */
const LOAD_AT_START = loadavg()[0] ?? 0;

function engineNote(dir: string, pkg: string): string | undefined {
  const file = join(dir, 'node_modules', pkg, 'package.json');
  if (!existsSync(file)) return undefined;
  const range = (JSON.parse(readFileSync(file, 'utf8')) as { engines?: { node?: string } }).engines?.node;
  const min = range === undefined ? undefined : /^>=\s*(\d+)/.exec(range)?.[1];
  const major = Number(process.versions.node.split('.')[0]);
  if (min === undefined || major >= Number(min)) return undefined;
  return `${pkg} declares engines.node "${range}" (npm warns EBADENGINE on install); it was run on Node ${process.version} anyway`;
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model) return model.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function versionOf(dir: string, pkg: string): string {
  const file = join(dir, 'node_modules', pkg, 'package.json');
  if (!existsSync(file)) return 'not installed';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Packages whose versions the results report. */
export const REPORTED_PACKAGES = [
  'p-memoize',
  'memoize',
  '@type-cacheable/core',
  '@type-cacheable/lru-cache-adapter',
  '@type-cacheable/ioredis-adapter',
  'bentocache',
  'cacheable',
  'cache-manager',
  '@keyv/redis',
  'async-cache-dedupe',
  'lru-cache',
  'ioredis',
  'tsx',
] as const;

export function describeEnvironment(redisVersion: string): Environment {
  const root = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'lib']) !== '';
  const versions: Record<string, string> = {};
  const engineNotes: string[] = [];
  for (const pkg of REPORTED_PACKAGES) {
    versions[pkg] = versionOf(BENCH_DIR, pkg);
    const note = engineNote(BENCH_DIR, pkg);
    if (note !== undefined) engineNotes.push(note);
  }
  versions['ioredis (repo root, used by cacheflight)'] = versionOf(REPO_DIR, 'ioredis');
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: redisVersion,
    cacheflight: `${root.version} (lib/ from the working tree at ${commit || 'unknown commit'}${dirty ? ', with uncommitted lib/ changes' : ''}, run as TypeScript source through tsx)`,
    versions,
    engineNotes,
    loadAtStart: LOAD_AT_START,
  };
}
