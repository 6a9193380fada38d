/**
 * CacheflightModule in a real NestJS 11 application over HTTP on 127.0.0.1: forRootAsync with
 * options from a config provider; a controller behind a guard and an interceptor calls a
 * provider whose methods carry @Cacheable / @CacheEvict (default and named cache); a readiness
 * route built with cacheHealthIndicator; app.close() closes the caches the module made and
 * unregisters them. The fixture (spec/fixtures/nest-module/http-app.ts) is compiled by tsc and
 * runs in a child process. Legacy pass only (what Nest uses); needs `npm run build`.
 */
import { expect } from 'chai';
import { startNestFixture, type NestFixture } from '../helpers/nest-fixture.js';

interface Started {
  readonly port: number;
  readonly registered: boolean;
}

describe('CacheflightModule in a NestJS 11 application over HTTP (tsc output, legacy decorators)', function () {
  this.timeout(60_000);
  let fixture: NestFixture;
  let started: Started;
  let base = '';

  before(async () => {
    fixture = startNestFixture('spec/fixtures/nest-module/http-app.ts');
    started = (await fixture.next()) as Started;
    base = `http://127.0.0.1:${started.port}`;
  });

  after(async () => {
    try {
      if (fixture.child.exitCode === null && fixture.child.signalCode === null) {
        if (fixture.child.connected) fixture.child.send('close');
        expect(await fixture.exit(), `exit code (stderr: ${fixture.stderr()})`).to.equal(0);
      }
    } finally {
      fixture.clean();
    }
  });

  async function call(method: string, path: string, key: string | null = 'secret'): Promise<{ status: number; headers: Headers; body: unknown }> {
    const response = await fetch(base + path, { method, headers: key === null ? {} : { 'x-api-key': key } });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  const stats = async (): Promise<Record<string, Record<string, number> & number>> => (await call('GET', '/items/stats')).body as never;

  it('registers the caches when the application initializes', () => {
    expect(started.registered).to.equal(true);
  });

  it('the guard refuses a request without the key before the provider runs', async () => {
    expect((await call('GET', '/items/1', null)).status).to.equal(403);
    expect((await call('GET', '/items/1', 'wrong')).status).to.equal(403);
    expect((await stats())['loads']).to.equal(0);
  });

  it('caches the provider through the HTTP path: a hit, the interceptor on it, @CacheEvict, a named cache', async () => {
    const first = await call('GET', '/items/7');
    expect(first.status).to.equal(200);
    expect(first.body).to.deep.equal({ id: 7, load: 1 });
    expect(first.headers.get('x-intercepted')).to.equal('yes');
    const second = await call('GET', '/items/7');
    expect(second.body, 'a hit').to.deep.equal({ id: 7, load: 1 });
    expect(second.headers.get('x-intercepted'), 'the interceptor runs on a hit too').to.equal('yes');
    expect((await call('POST', '/items/7/evict')).status).to.equal(204);
    expect((await call('GET', '/items/7')).body, 'reloaded after the eviction').to.deep.equal({ id: 7, load: 2 });
    expect((await call('GET', '/items/report')).body).to.deep.equal({ load: 1 });
    expect((await call('GET', '/items/report')).body).to.deep.equal({ load: 1 });
    const after = await stats();
    expect(after['loads']).to.equal(2);
    expect(after['reportLoads']).to.equal(1);
    expect(after['cache']).to.include({ hits: 1, misses: 2 });
    expect(after['reports'], 'the named cache of the factory options').to.include({ hits: 1, misses: 1 });
    expect((await call('GET', '/items/x')).status, 'ParseIntPipe still applies').to.equal(400);
  });

  it('answers the readiness route with the cache up', async () => {
    const ready = await call('GET', '/health/ready', null);
    expect(ready.status).to.equal(200);
    expect((ready.body as Record<string, Record<string, unknown>>)['cache']).to.include({ status: 'up', cache: 'app-default', inFlight: 0 });
  });

  it('app.close() closes the caches the module made and unregisters them; the process exits', async () => {
    fixture.child.send('close');
    const closed = (await fixture.next()) as { closed: Record<string, boolean>; unregistered: boolean };
    expect(closed).to.deep.equal({ closed: { cache: true, reports: true }, unregistered: true });
    expect(await fixture.exit(), `exit code (stderr: ${fixture.stderr()})`).to.equal(0);
  });
});
