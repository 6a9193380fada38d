import { expect } from 'chai';
import { InvalidTtlError, parseDuration } from '../../lib/index.js';

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
    [' 10 s ', 10_000],
  ];
  for (const [input, ms] of valid) {
    it(`reads ${typeof input === 'string' ? `'${input}'` : String(input)} as ${ms} ms`, () => {
      expect(parseDuration(input, 'ttl')).to.equal(ms);
    });
  }

  for (const input of [-1, -0.5, NaN, -Infinity, '', 'soon', '5', '5 minutes', '-5m', '1e3s', null, true, {}]) {
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
