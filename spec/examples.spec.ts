/**
 * The examples are part of the documentation: run them as a user would (through the built
 * package, so `npm run build` first; npm test does it) and check what they print.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { redisSuite } from './helpers/redis-server.js';

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

async function runExample(file: string, env: Record<string, string> = {}): Promise<string> {
  if (!existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  const { stdout } = await run(process.execPath, [tsxCli, file], { env: { ...process.env, ...env }, timeout: 30_000 });
  return stdout;
}

describe('examples', function () {
  this.timeout(60_000);

  it('quickstart.ts caches, joins concurrent calls and evicts on the in-memory default', async () => {
    const out = await runExample('examples/quickstart.ts');
    expect(out).to.contain('getProduct(1) again -> served from the cache (database calls: 1)');
    expect(out).to.contain('100 concurrent getProduct(2) -> 100 answers, one database call (database calls: 2)');
    expect(out).to.contain('after renameProduct, getProduct(1) loads again (database calls: 4)');
  });

  it('opentelemetry.ts turns the tracing channels into spans and metrics', async () => {
    const out = await runExample('examples/opentelemetry.ts');
    expect(out).to.contain('spans: cache.load(load) cache.get(miss) cache.get(hit) cache.load(load) cache.get(miss) cache.get(joined)');
    expect(out).to.contain('cache.reads: hit=1 joined=1 miss=2');
  });

  it('prometheus.ts counts read outcomes and loads with prom-client', async () => {
    const out = await runExample('examples/prometheus.ts');
    expect(out).to.contain('cacheflight_reads_total{cache="products",namespace="ProductService.getProduct",outcome="miss"} 1');
    expect(out).to.contain('cacheflight_reads_total{cache="products",namespace="ProductService.getProduct",outcome="hit"} 2');
    expect(out).to.contain('cacheflight_load_seconds_count{cache="products",namespace="ProductService.getProduct"} 1');
    expect(out).to.contain('cacheflight_loads{cache="products"} 1');
  });

  describe('redis.ts', () => {
    const redis = redisSuite('examples/redis.ts');
    it('shares entries between two caches on one Redis and keeps Dates', async () => {
      const out = await runExample('examples/redis.ts', { REDIS_URL: redis.url });
      expect(out).to.contain('process B: getOrder(7) -> from Redis, placedAt is a Date (database calls: 1)');
      expect(out).to.contain('loads again (database calls: 3)');
    });
  });

  describe('tiered.ts', () => {
    const redis = redisSuite('examples/tiered.ts', { ownServer: true });
    it("serves process B from its memory, and reloads after process A evicts", async () => {
      const out = await runExample('examples/tiered.ts', { REDIS_URL: redis.url });
      expect(out).to.contain('process B: getProduct(1) -> from Redis, now in its memory (Redis reads: 1, database calls: 1)');
      expect(out).to.contain('process B: getProduct(1) again -> from memory (Redis reads: 1, database calls: 1)');
      expect(out).to.contain('process B: getProduct(1) -> price 12, loaded again (database calls: 3)');
      expect(out).to.not.contain('failed');
    });
  });

  describe('nestjs/', () => {
    // Nest needs emitDecoratorMetadata, which only tsc emits: compiled as its README says, then run.
    const outDir = join('examples', 'nestjs', `.out-${process.pid}`);
    after(() => rmSync(outDir, { recursive: true, force: true }));

    it('caches a service behind a controller over HTTP, evicts on PUT, reports readiness, closes', async () => {
      if (!existsSync('dist/esm/nestjs/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
      const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', 'examples/nestjs', '--outDir', outDir], { timeout: 60_000 });
      const { stdout } = await run(process.execPath, [join(outDir, 'main.js')], { timeout: 30_000 });
      expect(stdout).to.contain('GET /products/1 -> Teapot (database calls: 1)');
      expect(stdout).to.contain('GET /products/1 again -> served from the cache (database calls: 1)');
      expect(stdout).to.contain('after PUT /products/1, GET loads again -> Teapot XL (database calls: 3)');
      expect(stdout).to.match(/GET \/health\/ready -> \{"cache":\{"status":"up"/);
      expect(stdout).to.contain('closed');
    });
  });
});
