// Dual build: ESM in dist/esm, CommonJS in dist/cjs, each with its own declarations. A package.json
// in each folder tells Node which module format the .js files in it use.
//
// What the package ships must stand on its own (lib/ is not in it): source maps carry their
// sources (`inlineSources`), declaration maps are not emitted (they could only point at lib/), and
// a declaration that uses Node's types says so (see nodeTypesReference below).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

const REFERENCE = '/// <reference types="node" />\n';
// Node's globals (Buffer, NodeJS.*) or a node: module in a declaration's code (comments aside).
const USES_NODE_TYPES = /\bBuffer\b|\bNodeJS\.|from ['"]node:|import\(['"]node:/;

/**
 * Since TypeScript 5.5 the compiler no longer writes `/// <reference types="node" />` into the
 * declarations it emits, so a consumer compiling with `"types": []` (and `skipLibCheck: false`)
 * could not resolve `Buffer` or `node:tls` in ours. Each declaration that uses them gets the
 * reference back.
 */
function nodeTypesReference(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const text = readFileSync(file, 'utf8');
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (USES_NODE_TYPES.test(code) && !text.includes(REFERENCE)) writeFileSync(file, REFERENCE + text);
  }
}

rmSync('dist', { recursive: true, force: true });
for (const [config, type] of [['tsconfig.build.json', 'module'], ['tsconfig.build.cjs.json', 'commonjs']]) {
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  const dir = type === 'module' ? 'dist/esm' : 'dist/cjs';
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
  nodeTypesReference(dir);
}
