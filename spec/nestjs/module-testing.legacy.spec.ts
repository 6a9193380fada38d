/**
 * CacheflightModule in @nestjs/testing modules: two testing modules in one process, the same
 * service class in both, each caching in its own caches (entries never leak from one to the
 * other, closing one leaves the other working, each closes what it made); caches the
 * application made; misuse errors; forRootAsync with a config provider; the readiness helper.
 * The fixture (spec/fixtures/nest-module/testing.ts) runs in a child process compiled by tsc;
 * this spec asserts on what it reports. Legacy pass only (what Nest uses); needs `npm run build`.
 */
import { expect } from 'chai';
import { startNestFixture, type NestFixture } from '../helpers/nest-fixture.js';

type Report = Record<string, Record<string, unknown> & { code?: string; message?: string }>;

describe('CacheflightModule in @nestjs/testing modules (tsc output, legacy decorators)', function () {
  this.timeout(60_000);
  let fixture: NestFixture;
  let report: Report;

  before(async () => {
    fixture = startNestFixture('spec/fixtures/nest-module/testing.ts');
    report = (await fixture.next()) as Report;
  });

  after(async () => {
    try {
      expect(await fixture.exit(), `exit code (stderr: ${fixture.stderr()})`).to.equal(0);
    } finally {
      fixture.clean();
    }
  });

  it('two compiled modules cache in their own caches, without registerCache and before init', () => {
    expect(report['distinct']).to.equal(true);
    expect(report['registeredBeforeInit'], 'nothing is registered globally before init').to.include({ code: 'E_NO_CACHE_REGISTERED' });
    const before = report['beforeInit'] as Record<string, Record<string, number> | number>;
    // A: price(1) twice, price(2) once -> 2 loads, 1 hit. B: price(1), price(2) -> 2 loads (A's entries are not B's), audit twice -> 1 load.
    expect(before['loadsA']).to.equal(2);
    expect(before['loadsB']).to.equal(3);
    expect(before['statsA']).to.include({ hits: 1, misses: 2 });
    expect(before['statsB']).to.include({ hits: 0, misses: 2 });
    expect(before['auditA'], "B's named cache calls stay in B's named cache").to.include({ hits: 0, misses: 0 });
    expect(before['auditB']).to.include({ hits: 1, misses: 1 });
    expect(report['pendingBeforeCalls'], 'both modules wait to bind their instances').to.equal(2);
    expect(report['pendingAfterCalls'], 'the first call bound every instance of both: no more sweeps').to.equal(0);
    expect(report['afterEvictInA'], "an eviction in A reloads A's entry only").to.deep.equal({ loadsA: 3, loadsB: 3 });
  });

  it('closing one module closes its caches and leaves the other caching', () => {
    expect(report['registeredAfterInit'], 'the last module initialized is the registered one').to.equal(true);
    expect(report['afterCloseA']).to.deep.include({ healthA: false, auditHealthA: false, registeredIsB: true, healthB: true });
    expect((report['afterCloseA'] as Record<string, { code: string }>)['setA']).to.include({ code: 'E_CACHE_CLOSED' });
    expect(report['bAfterCloseA']).to.include({ loads: 1 });
    expect(report['afterCloseB']).to.deep.include({ healthB: false });
    expect((report['afterCloseB'] as Record<string, { code: string }>)['registered'], 'B unregisters what it registered').to.include({ code: 'E_NO_CACHE_REGISTERED' });
  });

  it('uses a cache the application made, and closes it only with closeOnShutdown', () => {
    expect(report['given']).to.deep.equal({ used: 1, open: true, closedWithOption: true });
  });

  it('refuses misuse with typed errors: an undeclared @InjectCache name (naming the class), unknown or bad options', () => {
    expect(report['missing']).to.include({ name: 'NoCacheRegisteredError', code: 'E_NO_CACHE_REGISTERED' });
    expect(report['missing']?.message).to.contain("@InjectCache('missing') in NeedsMissing").and.contain('declares no cache');
    expect(report['pendingAfterFailedCompile'], 'the module of the failed application forgets it').to.equal(0);
    expect(report['unknownOption']).to.include({ code: 'E_INVALID_OPTION' });
    expect(report['unknownOption']?.message).to.contain("Unknown CacheflightModule option 'ttl'");
    expect(report['badGlobal']).to.include({ code: 'E_INVALID_OPTION' });
    expect(report['badAsync']).to.include({ code: 'E_INVALID_OPTION' });
  });

  it('forRootAsync makes the caches from a config provider; @InjectCache injects them', () => {
    const async = report['async'] as Record<string, unknown>;
    expect(async).to.deep.include({ defaultName: 'configured', auditName: 'audit-from-config', sameAsCaches: true, names: ['audit'], auditMisses: 1 });
    expect(async['unknownName']).to.include({ code: 'E_NO_CACHE_REGISTERED' });
  });

  it("the readiness helper gives terminus's result shape: up, then down (a result, or a HealthCheckError-like rejection)", () => {
    const up = report['healthUp'] as Record<string, Record<string, Record<string, unknown>>>;
    expect(up['plain']?.['cache']).to.include({ status: 'up', cache: 'configured', inFlight: 0 });
    expect(up['throwing']?.['audit']).to.include({ status: 'up', cache: 'audit-from-config' });
    const down = report['healthDown'] as Record<string, unknown>;
    expect((down['plain'] as Record<string, Record<string, unknown>>)['cache']).to.include({ status: 'down', cache: 'configured' }).and.have.property('message').that.matches(/closed/);
    expect(down).to.deep.include({ rejected: true, isHealthCheckError: true });
    expect((down['causes'] as Record<string, Record<string, unknown>>)['audit']).to.include({ status: 'down' });
  });

  it('a request-scoped provider (in no scope) uses the registered caches: those of the module once initialized', () => {
    expect(report['requestScoped']).to.deep.include({ distinct: true, loads: 1, registeredIsModules: true, pending: 0 });
    expect(report['requestScoped']?.['stats']).to.include({ hits: 1, misses: 1 });
  });
});
