import { expect } from 'chai';
import { Cacheable, CachePut, createCache, InvalidTtlError, memoryStore, parseDuration, redisStore, tieredStore } from '../../lib/index.js';

describe('parseDuration', () => {
  const valid: Array<[unknown, number]> = [
    [0, 0],
    [1.5, 1.5],
    [Infinity, Infinity],
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['.5s', 500],
  ];
  for (const [input, ms] of valid) {
    it(`reads ${typeof input === 'string' ? `'${input}'` : String(input)} as ${ms} ms`, () => {
      expect(parseDuration(input, 'ttl')).to.equal(ms);
    });
  }

  // Only the exact forms: a number, or digits and a unit with nothing around or between them.
  const invalid = [-1, -0.5, NaN, -Infinity, '', 'soon', '5', '5 minutes', '-5m', '1e3s', ' 5 m ', ' 5m', '5m ', '5 m', '5M', '1.s', null, true, {}, undefined];
  for (const input of invalid) {
    it(`rejects ${typeof input === 'string' ? `'${input}'` : String(input)} with a message that shows the accepted forms`, () => {
      let error: unknown;
      try {
        parseDuration(input, '@Cacheable ttl of Svc.get');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InvalidTtlError);
      expect((error as InvalidTtlError).code).to.equal('E_INVALID_TTL');
      expect((error as Error).message).to.contain('@Cacheable ttl of Svc.get').and.match(/'30s'|'5m'/);
    });
  }
});

describe('TTL options', () => {
  // (A Redis store is never connected by being created, so the tiered cases need no server.)
  const bad: Array<[string, () => unknown]> = [
    ['createCache({ ttl: null })', () => createCache({ ttl: null as never })],
    ["createCache({ ttl: ' 5 m ' })", () => createCache({ ttl: ' 5 m ' as never })],
    ['@Cacheable({ ttl: null })', () => Cacheable({ ttl: null as never })],
    ["@Cacheable({ ttl: '5m ' })", () => Cacheable({ ttl: '5m ' as never })],
    ["@CachePut({ ttl: ' 1h' })", () => CachePut({ method: 'read', ttl: ' 1h' as never })],
    ['@CachePut({ ttl: null })', () => CachePut({ method: 'read', ttl: null as never })],
    ["tieredStore({ l1Ttl: '1 m' })", () => tieredStore({ l1: memoryStore(), l2: redisStore({ url: 'redis://127.0.0.1:9/0' }), l1Ttl: '1 m' as never })],
    ['tieredStore({ l1Ttl: null })', () => tieredStore({ l1: memoryStore(), l2: redisStore({ url: 'redis://127.0.0.1:9/0' }), l1Ttl: null as never })],
  ];
  for (const [what, make] of bad) {
    it(`rejects ${what} with InvalidTtlError naming the accepted forms`, () => {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InvalidTtlError);
      expect((error as Error).message).to.match(/'30s'|'5m'/);
    });
  }

  it("rejects a set() or getOrSet() ttl of null or ' 5 m ' with InvalidTtlError", async () => {
    const cache = createCache();
    try {
      for (const ttl of [null, ' 5 m ']) {
        let error: unknown;
        try {
          await cache.set('k:1', 1, { ttl: ttl as never });
        } catch (e) {
          error = e;
        }
        expect(error, String(ttl)).to.be.instanceOf(InvalidTtlError);
        error = undefined;
        try {
          await cache.getOrSet('k:2', async () => 1, { ttl: ttl as never });
        } catch (e) {
          error = e;
        }
        expect(error, String(ttl)).to.be.instanceOf(InvalidTtlError);
      }
    } finally {
      await cache.close();
    }
  });

  it('keeps the default TTL when ttl is left out', async () => {
    const cache = createCache();
    try {
      await cache.set('k:1', 1);
      expect(await cache.ttl('k:1')).to.be.within(299_000, 300_000);
    } finally {
      await cache.close();
    }
  });
});
