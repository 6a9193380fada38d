/**
 * The Redis store inside an application bundled with esbuild (the package as published: dist/,
 * so `npm run build` first; npm test does it). With ioredis copied into the bundle, esbuild's ESM
 * output breaks ioredis's `require`s of Node's modules: the error must say so and how to fix it
 * (mark ioredis external), not "reinstall". With ioredis external, the bundle works against a
 * real redis-server; without ioredis beside it, the error says to install it.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MissingDependencyError } from '../../lib/index.js';
import { loadIoredis } from '../../lib/stores/redis/connection.js';
import { redisSuite, type SingleRedis } from '../helpers/redis-server.js';
import { commandStats } from '../helpers/redis-tools.js';

/**
 * A small application: one write and one read through a Redis store; prints what happened. Its
 * first operation loads ioredis and connects in a fresh process: a bound for a loaded machine.
 */
const APP = `
import { redisStore } from 'cacheflight';
const store = redisStore({ url: process.env.APP_REDIS_URL ?? 'redis://127.0.0.1:1', prefix: 'bundled', commandTimeoutMs: 10000 });
try {
  await store.set('ns', 'k', 'from the bundle', { ttlMs: 60000 });
  const entry = await store.get('ns', 'k');
  console.log(JSON.stringify({ value: entry?.value, health: (await store.health()).ok }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message, health: (await store.health()).error }));
}
await store.close();
`;

interface Outcome {
  value?: string;
  health?: boolean | string;
  name?: string;
  code?: string;
  message?: string;
}

/** Bundle {@link APP} (ESM, for Node) into `dir`, with or without ioredis inside. */
async function bundle(dir: string, options: { ioredisExternal: boolean }): Promise<string> {
  const outfile = join(dir, 'app.mjs');
  await build({
    stdin: { contents: APP, resolveDir: process.cwd(), sourcefile: 'app.mjs', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    external: options.ioredisExternal ? ['ioredis'] : [],
  });
  return outfile;
}

function run(file: string, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`));
      resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Outcome);
    });
  });
}

describe('redisStore in a bundled application (esbuild)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    if (!existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cacheflight-bundle-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('with ioredis bundled in, says that the bundler broke its requires and to mark it external', async () => {
    const outcome = await run(await bundle(dir, { ioredisExternal: false }));
    expect(outcome.name).to.equal('MissingDependencyError');
    expect(outcome.code).to.equal('E_MISSING_DEPENDENCY');
    expect(outcome.message).to.contain('a bundler copied it into this application and rewrote its requires');
    expect(outcome.message).to.contain('Mark "ioredis" external');
    expect(outcome.message).to.contain('--external:ioredis');
    expect(outcome.message, 'what failed inside the bundle').to.contain('Dynamic require of');
    expect(outcome.message).to.not.contain('Reinstall');
    expect(outcome.message).to.not.contain('not installed');
    expect(outcome.health).to.equal(outcome.message);
  });

  it('with ioredis external and not installed beside the bundle, says to install it', async () => {
    const outcome = await run(await bundle(dir, { ioredisExternal: true }));
    expect(outcome.name).to.equal('MissingDependencyError');
    expect(outcome.message).to.contain('not installed: run npm install ioredis');
  });

  describe('with ioredis external and installed beside the bundle', () => {
    const redis: SingleRedis = redisSuite('redisStore in a bundled application', { ownServer: true });

    it('works against a real redis-server', async () => {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(resolve('node_modules/ioredis'), join(dir, 'node_modules', 'ioredis'), 'dir');
      const port = redis.server?.port ?? 0;
      const before = (await commandStats(port))['set'] ?? 0;
      const outcome = await run(await bundle(dir, { ioredisExternal: true }), { APP_REDIS_URL: redis.url });
      expect(outcome).to.deep.equal({ value: 'from the bundle', health: true });
      expect((await commandStats(port))['set'] ?? 0, 'the bundle wrote to this server').to.be.greaterThan(before);
    });
  });

  it('an installed ioredis that fails to load (its dependency is gone): says to reinstall it, with the cause', async () => {
    const specifier = pathToFileURL(resolve('spec/fixtures/broken-ioredis/index.cjs')).href;
    const error = (await loadIoredis(specifier).then(() => undefined, (e: unknown) => e)) as MissingDependencyError;
    expect(error).to.be.instanceOf(MissingDependencyError);
    expect(error.message).to.contain('denque-missing-from-a-damaged-install');
    expect(error.message).to.contain('reinstall it: npm install ioredis');
    expect(error.message).to.not.contain('not installed');
    expect((error.cause as { code?: string }).code).to.equal('MODULE_NOT_FOUND');
  });

  it('ioredis not installed at all: says to install it, with the cause', async () => {
    const error = (await loadIoredis('ioredis-not-installed-cacheflight').then(() => undefined, (e: unknown) => e)) as MissingDependencyError;
    expect(error.message).to.contain('not installed: run npm install ioredis');
    expect(error.cause).to.be.instanceOf(Error);
  });
});
