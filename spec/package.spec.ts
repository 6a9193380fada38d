/**
 * The published package as consumers load it: the ESM and CommonJS builds through the exports
 * map (needs `npm run build`; npm test does it), sharing one registry when an application loads
 * both.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

describe('package', () => {
  before(() => {
    if (!existsSync('dist/cjs/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  });

  it('loads with require() (CommonJS build) and caches', () => {
    const out = node([
      '-e',
      `const { createCache } = require('cacheflight');
       const cache = createCache();
       cache.getOrSet('k', async () => 41).then(() => cache.getOrSet('k', async () => 0))
         .then((v) => console.log(v, JSON.stringify(cache.stats())));`,
    ]);
    expect(out).to.match(/^41 .*"hits":1/);
  });

  it('loads with import (ESM build) and exposes the same API', () => {
    const esm = node(['--input-type=module', '-e', "import * as c from 'cacheflight'; console.log(Object.keys(c).sort().join(','))"]);
    const cjs = node(['-e', "console.log(Object.keys(require('cacheflight')).sort().join(','))"]);
    expect(esm).to.equal(cjs);
    expect(esm.split(',')).to.include.members(['Cacheable', 'CacheEvict', 'CachePut', 'createCache', 'registerCache', 'memoryStore', 'redisStore']);
  });

  it('shares one registry between the ESM and CommonJS builds', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import { createCache, registerCache } from 'cacheflight';
       const cjs = createRequire(import.meta.url)('cacheflight');
       const cache = registerCache(createCache());
       console.log(cjs.getCache() === cache);`,
    ]);
    expect(out).to.equal('true');
  });

  it('does not load ioredis until a Redis store is created', () => {
    const out = node([
      '-e',
      `require('cacheflight').createCache();
       console.log(Object.keys(require.cache).some((file) => file.includes('/node_modules/ioredis/')));`,
    ]);
    expect(out).to.equal('false');
  });
});
