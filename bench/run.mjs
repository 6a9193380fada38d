#!/usr/bin/env node
// Entry of `npm run bench` (and `npm run bench -- --smoke`): installs the bench's own
// dependencies when they are missing or stale (npm ci in bench/), then runs bench/main.ts under
// the bench's tsx with the repo's tsconfig.json (TC39 standard decorators). With --hitratio
// (`npm run bench:hitratio`), runs bench/hitratio.ts instead: the hit-ratio replays.
// Plain JavaScript on purpose: it must run before anything is installed.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, '..');
const installed = join(benchDir, 'node_modules', '.package-lock.json');
const lock = join(benchDir, 'package-lock.json');

if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  console.error('bench: installing the bench dependencies (npm ci in bench/)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: benchDir, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('bench: npm ci in bench/ failed');
    process.exit(result.status ?? 1);
  }
}

const tsx = import.meta.resolve('tsx');
const hitratio = process.argv.includes('--hitratio');
const entry = join(benchDir, hitratio ? 'hitratio.ts' : 'main.ts');
const args = process.argv.slice(2).filter((arg) => arg !== '--hitratio');
const child = spawn(process.execPath, ['--import', tsx, entry, ...args], {
  cwd: repoDir,
  stdio: 'inherit',
  env: { ...process.env, BENCH_TSX: tsx, TSX_TSCONFIG_PATH: process.env.BENCH_TSCONFIG ?? join(repoDir, 'tsconfig.json') },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
