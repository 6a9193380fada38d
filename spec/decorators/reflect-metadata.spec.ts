/**
 * reflect-metadata interop needs `design:*` metadata, which only tsc emits: this compiles a
 * fixture with tsc (legacy decorators + emitDecoratorMetadata) against the built package and
 * runs it. Needs `npm run build` first (npm test does it).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const fixtureDir = 'spec/fixtures/metadata';
// One output directory per process, so two runs of the suite at once do not delete each other's.
const outDir = join(fixtureDir, `.out-${process.pid}`);

describe('reflect-metadata interop (tsc output, legacy decorators)', function () {
  this.timeout(60_000);
  let report: { cacheableTtl?: string; evictMethod?: string; syncMethodError?: string; value?: number };

  before(() => {
    if (!existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` before this spec (npm test does).');
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(process.execPath, [
      tsc, '--ignoreConfig', '--experimentalDecorators', '--emitDecoratorMetadata', '--strict', '--target', 'es2022',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--rootDir', fixtureDir,
      '--outDir', outDir, join(fixtureDir, 'app.ts'),
    ], { stdio: 'pipe' });
    report = JSON.parse(execFileSync(process.execPath, [join(outDir, 'app.js')], { encoding: 'utf8' }));
  });

  after(() => rmSync(outDir, { recursive: true, force: true }));

  it('publishes the decorator options as metadata', () => {
    expect(report.cacheableTtl).to.equal('1m');
    expect(report.evictMethod).to.equal('getProduct');
  });

  it('rejects a method whose declared return type is not a Promise when the class is defined', () => {
    expect(report.syncMethodError).to.equal('E_DECORATOR_TARGET');
  });

  it('still runs the decorated method', () => {
    expect(report.value).to.equal(7);
  });
});
