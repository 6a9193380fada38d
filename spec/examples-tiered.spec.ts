/**
 * examples/tiered.ts, run as a user would (through the built package: `npm run build` first; npm
 * test does it), against a Redis of its own.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { redisSuite } from './helpers/redis-server.js';

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

describe('examples/tiered.ts', function () {
  this.timeout(60_000);
  const redis = redisSuite('examples/tiered.ts', { ownServer: true });

  it('serves process B from its memory, and reloads after process A evicts', async () => {
    if (!existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const { stdout } = await run(process.execPath, [tsxCli, 'examples/tiered.ts'], { env: { ...process.env, REDIS_URL: redis.url }, timeout: 30_000 });
    expect(stdout).to.contain('process B: getProduct(1) -> from Redis, now in its memory (Redis reads: 1, database calls: 1)');
    expect(stdout).to.contain('process B: getProduct(1) again -> from memory (Redis reads: 1, database calls: 1)');
    expect(stdout).to.contain('process B: getProduct(1) -> price 12, loaded again (database calls: 3)');
    expect(stdout).to.not.contain('failed');
  });
});
