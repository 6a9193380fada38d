// Type-checks the published declarations (dist/, so run `npm run build` first) the way consumers
// do: with TypeScript 5.0 (the oldest supported) and the current TypeScript, each with standard
// decorators and with experimentalDecorators, for an ES module and a CommonJS consumer, a NestJS
// consumer of cacheflight/nestjs, a consumer without Node's types in its `types`, and one without
// ioredis (or NestJS) installed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const tscOf = (pkg) => join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'tsc');
// Newer compilers refuse to ignore tsconfig.json silently when given files; older ones lack the flag.
const compilers = {
  'TypeScript 5.0': [tscOf('typescript5')],
  'TypeScript (current)': [tscOf('typescript'), '--ignoreConfig'],
};
if (!existsSync('dist/esm/index.d.ts') || !existsSync('dist/cjs/index.d.ts')) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}
const common = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', 'false'];
const modes = { 'standard decorators': [], experimentalDecorators: ['--experimentalDecorators', '--emitDecoratorMetadata'] };
const files = ['spec/types/consumer.ts', 'spec/types/consumer-commonjs.cts', 'spec/types/consumer-nestjs.ts'];
// Nest's decorators are legacy ones: a Nest service with them is checked with experimentalDecorators only.
const filesOf = (mode) => (mode === 'experimentalDecorators' ? [...files, 'spec/types/consumer-nestjs-legacy.ts'] : files);

let failed = false;
for (const [compiler, [bin, ...own]] of Object.entries(compilers)) {
  for (const [mode, flags] of Object.entries(modes)) {
    try {
      execFileSync(process.execPath, [bin, ...own, ...common, ...flags, ...filesOf(mode)], { stdio: 'pipe' });
      console.log(`ok   ${compiler}, ${mode}`);
    } catch (error) {
      failed = true;
      console.log(`FAIL ${compiler}, ${mode}\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`);
    }
  }
}
// A memory-only consumer with no ioredis installed: the package as npm would install it, outside
// this repository (whose node_modules has ioredis), with only @types/node beside it.
const outside = mkdtempSync(join(tmpdir(), 'cacheflight-types-'));
try {
  const installed = join(outside, 'node_modules', 'cacheflight');
  mkdirSync(installed, { recursive: true });
  cpSync('package.json', join(installed, 'package.json'));
  cpSync('dist', join(installed, 'dist'), { recursive: true });
  mkdirSync(join(outside, 'node_modules', '@types'), { recursive: true });
  symlinkSync(dirname(require.resolve('@types/node/package.json')), join(outside, 'node_modules', '@types', 'node'), 'dir');
  cpSync('spec/types/consumer-memory-only.ts', join(outside, 'consumer.ts'));
  // As a CommonJS (.ts beside no "type": "module") and as an ES module (.mts) consumer: both builds' declarations.
  cpSync('spec/types/consumer-no-node-types.ts', join(outside, 'consumer-no-node-types.ts'));
  cpSync('spec/types/consumer-no-node-types.ts', join(outside, 'consumer-no-node-types.mts'));
  // `"types": []` cannot be said on the command line: a tsconfig.json says it.
  writeFileSync(
    join(outside, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { noEmit: true, strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: [], skipLibCheck: false },
      files: ['consumer-no-node-types.ts', 'consumer-no-node-types.mts'],
    }),
  );
  for (const [compiler, [bin]] of Object.entries(compilers)) {
    for (const [mode, flags] of Object.entries(modes)) {
      try {
        execFileSync(process.execPath, [resolve(bin), '-p', 'tsconfig.json', ...flags], { stdio: 'pipe', cwd: outside });
        console.log(`ok   ${compiler}, ${mode}, with "types": [] and skipLibCheck: false`);
      } catch (error) {
        failed = true;
        console.log(`FAIL ${compiler}, ${mode}, with "types": [] and skipLibCheck: false\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`);
      }
    }
  }
  for (const [compiler, [bin, ...own]] of Object.entries(compilers)) {
    for (const [mode, flags] of Object.entries(modes)) {
      try {
        execFileSync(process.execPath, [resolve(bin), ...own, ...common, ...flags, 'consumer.ts'], { stdio: 'pipe', cwd: outside });
        console.log(`ok   ${compiler}, ${mode}, without ioredis installed`);
      } catch (error) {
        failed = true;
        console.log(`FAIL ${compiler}, ${mode}, without ioredis installed\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`);
      }
    }
  }
} finally {
  rmSync(outside, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
