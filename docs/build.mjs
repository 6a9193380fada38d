#!/usr/bin/env node
// Entry of `npm run docs`: builds the API documentation from the TSDoc comments with TypeDoc into
// docs/api/ (not committed). Warnings are errors (see docs/typedoc.json), so an undocumented export,
// a public signature naming a type the package does not export, or a broken {@link} fails it.
//
// TypeDoc needs a TypeScript with a compiler API; the repo's TypeScript 7 (the native port) has
// none, so docs/ is a package of its own pinning TypeDoc and a TypeScript 5.x, installed here
// (npm ci in docs/) when missing or stale. TypeDoc then resolves `typescript` from docs/node_modules.
// Plain JavaScript on purpose: it must run before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(docsDir, '..');
const installed = join(docsDir, 'node_modules', '.package-lock.json');
const lock = join(docsDir, 'package-lock.json');

if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  console.error('docs: installing TypeDoc and its TypeScript (npm ci in docs/)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: docsDir, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('docs: npm ci in docs/ failed');
    process.exit(result.status ?? 1);
  }
}

// Every public subpath of package.json `exports` must be documented: docs/entry-points.json maps
// each one to its source file.
const { entryPoints } = JSON.parse(readFileSync(join(docsDir, 'entry-points.json'), 'utf8'));
const { exports } = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8'));
const problems = [];
for (const subpath of Object.keys(exports)) {
  if (subpath === './package.json') continue;
  if (!(subpath in entryPoints)) problems.push(`package.json exports "${subpath}", which docs/entry-points.json does not list`);
}
for (const [subpath, file] of Object.entries(entryPoints)) {
  if (!existsSync(join(repoDir, file))) problems.push(`docs/entry-points.json: the entry point of "${subpath}", ${file}, does not exist`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`docs: ${problem}`);
  process.exit(1);
}

const typedoc = join(docsDir, 'node_modules', 'typedoc', 'bin', 'typedoc');
const args = ['--options', join(docsDir, 'typedoc.json'), ...Object.values(entryPoints).flatMap((file) => ['--entryPoints', join(repoDir, file)])];
const result = spawnSync(process.execPath, [typedoc, ...args, ...process.argv.slice(2)], { cwd: repoDir, stdio: 'inherit' });
process.exit(result.status ?? 1);
