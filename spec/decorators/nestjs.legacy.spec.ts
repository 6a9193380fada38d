/**
 * A real NestJS 11 application, called over HTTP on 127.0.0.1: its guards, interceptors, pipes
 * and route metadata apply whatever the position of @Cacheable / @CacheEvict / @CachePut among
 * Nest's decorators, and cached providers cache through the HTTP path. NestJS needs
 * experimentalDecorators and emitDecoratorMetadata (for DI), which only tsc emits: the fixture
 * is compiled by tsc against the built package and run as a child process (so that its
 * reflect-metadata stays out of this process). Legacy pass only; needs `npm run build` first.
 */
import { expect } from 'chai';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const fixtureDir = 'spec/fixtures/nest';
// One output directory per process, so two runs of the suite at once do not delete each other's.
const outDir = join(fixtureDir, `.out-${process.pid}`);
const CLOSE_WITHIN_MS = 10_000;

const decorators = ['cacheable', 'evict', 'put'] as const;
const openPositions = ['outer', 'below-route', 'between', 'inner'] as const;
const guardedPositions = ['outer', 'below-route', 'inner'] as const;
const httpMethod = (decorator: (typeof decorators)[number]): string => (decorator === 'cacheable' ? 'GET' : 'POST');

describe('NestJS 11 application over HTTP (tsc output, legacy decorators)', function () {
  this.timeout(60_000);
  let app: ChildProcess | undefined;
  let exited: Promise<unknown[]>;
  let base = '';
  let stderr = '';

  before(async () => {
    if (!existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` before this spec (npm test does).');
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(process.execPath, [
      tsc, '--ignoreConfig', '--experimentalDecorators', '--emitDecoratorMetadata', '--strict', '--target', 'es2022',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--rootDir', fixtureDir,
      '--outDir', outDir, join(fixtureDir, 'app.ts'),
    ], { stdio: 'pipe' });
    const child = fork(join(outDir, 'app.js'), [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    app = child;
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    exited = once(child, 'exit');
    const port = await Promise.race([
      once(child, 'message').then(([message]) => (message as { port: number }).port),
      exited.then(([code]) => {
        throw new Error(`The NestJS fixture exited (code ${String(code)}) before listening:\n${stderr}`);
      }),
    ]);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    try {
      if (app !== undefined && app.exitCode === null && app.signalCode === null) {
        app.send('close');
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'open'>((resolve) => (timer = setTimeout(resolve, CLOSE_WITHIN_MS, 'open')));
        const outcome = await Promise.race([exited, deadline]);
        clearTimeout(timer);
        if (outcome === 'open') {
          app.kill('SIGKILL');
          throw new Error(`The NestJS fixture was still running ${CLOSE_WITHIN_MS} ms after app.close(): a handle was left open.`);
        }
        expect(outcome[0], `exit code of the NestJS fixture (stderr: ${stderr})`).to.equal(0);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  async function call(method: string, path: string): Promise<{ status: number; headers: Headers; body: unknown }> {
    const response = await fetch(base + path, { method });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  for (const decorator of decorators) {
    for (const position of openPositions) {
      it(`${decorator}/${position}: the route, @Header, @HttpCode, @UseInterceptors, @UsePipes and ParseIntPipe apply`, async () => {
        const method = httpMethod(decorator);
        const first = await call(method, `/${decorator}/${position}/21?q=abc`);
        expect(first.status, `${method} /${decorator}/${position}/21 (404: route lost; 200/201: @HttpCode lost)`).to.equal(202);
        expect(first.headers.get('x-static'), '@Header').to.equal('yes');
        expect(first.headers.get('x-intercepted'), '@UseInterceptors').to.equal('yes');
        expect(first.body).to.deep.include({ handler: `${decorator}/${position}`, id: 21, idType: 'number', q: 'ABC' });
        const invalid = await call(method, `/${decorator}/${position}/abc?q=abc`);
        expect(invalid.status, 'ParseIntPipe refuses a non-number').to.equal(400);
        if (decorator === 'cacheable') {
          const second = await call(method, `/${decorator}/${position}/21?q=abc`);
          expect(second.body, 'the second call is served from the cache').to.deep.equal(first.body);
          expect(second.headers.get('x-intercepted'), 'the interceptor runs on a hit too').to.equal('yes');
        }
      });
    }
    for (const position of guardedPositions) {
      it(`${decorator}/${position}-guarded: @UseGuards(DenyAll) answers 403`, async () => {
        const method = httpMethod(decorator);
        const { status } = await call(method, `/${decorator}/${position}-guarded`);
        expect(status, `${method} /${decorator}/${position}-guarded (404: route lost; 200/201: guard lost)`).to.equal(403);
      });
    }
  }

  it('caches an injected provider through the HTTP path: hits, @CacheEvict and @CachePut', async () => {
    const loads = async (): Promise<number> => ((await call('GET', '/items/loads')).body as { loads: number }).loads;
    const first = await call('GET', '/items/7');
    expect(first.status).to.equal(200);
    expect(first.body).to.deep.equal({ id: 7, load: 1 });
    expect((await call('GET', '/items/7')).body, 'a hit').to.deep.equal({ id: 7, load: 1 });
    expect(await loads()).to.equal(1);
    expect((await call('POST', '/items/7/evict')).status).to.equal(201);
    expect((await call('GET', '/items/7')).body, 'reloaded after the eviction').to.deep.equal({ id: 7, load: 2 });
    expect((await call('POST', '/items/7/put')).body).to.deep.equal({ id: 7, load: 3 });
    expect((await call('GET', '/items/7')).body, 'the put value, without a load').to.deep.equal({ id: 7, load: 3 });
    expect(await loads()).to.equal(3);
    expect((await call('GET', '/items/x')).status).to.equal(400);
  });
});
