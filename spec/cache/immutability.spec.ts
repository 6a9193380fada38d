import { expect } from 'chai';
import { protectForStore, readStored } from '../../lib/cache/immutability.js';

class Money {
  constructor(public cents: number) {}
  double(): number {
    return this.cents * 2;
  }
}

describe("immutability 'freeze'", () => {
  const protect = (value: unknown): unknown => readStored(protectForStore(value, 'freeze'), 'freeze');

  it('deep-freezes plain objects and arrays in place', () => {
    const value = { list: [{ n: 1 }, [2]], nested: { deep: { deeper: {} } } };
    expect(protect(value)).to.equal(value);
    for (const part of [value, value.list, value.list[0], value.list[1], value.nested, value.nested.deep, value.nested.deep.deeper]) {
      expect(Object.isFrozen(part)).to.equal(true);
    }
  });

  it('handles cycles and structures deeper than the fast pass', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(protect(cyclic)).to.equal(cyclic);
    expect(Object.isFrozen(cyclic)).to.equal(true);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep['next'] = {};
    protect(root);
    expect(Object.isFrozen(deep)).to.equal(true);
  });

  it('freezes class instances without touching their prototype', () => {
    const money = new Money(5);
    const seen = protect(money) as Money;
    expect(seen.double()).to.equal(10);
    expect(Object.isFrozen(money)).to.equal(true);
    expect(Object.isFrozen(Money.prototype)).to.equal(false);
  });

  it('deep-freezes the elements of Array subclasses and of null-prototype objects', () => {
    class Rows<T> extends Array<T> {}
    const rows = Rows.from([{ n: 1 }, { n: 2 }]);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { inner: { n: 3 } });
    protect({ rows, bare });
    for (const part of [rows, rows[0], rows[1], bare, bare['inner']]) expect(Object.isFrozen(part)).to.equal(true);
    expect(Object.isFrozen(Rows.prototype)).to.equal(false);
  });

  it('gives each reader its own copy of what freezing cannot protect', () => {
    const value = { at: new Date(1), bytes: new Uint8Array([1, 2]), seen: new Map([['a', { n: 1 }]]), ids: new Set([1]) };
    const stored = protectForStore(value, 'freeze');
    const first = readStored(stored, 'freeze') as typeof value;
    first.at.setTime(9);
    first.bytes[0] = 9;
    first.seen.set('a', { n: 9 });
    first.ids.add(9);
    const second = readStored(stored, 'freeze') as typeof value;
    expect(second.at.getTime()).to.equal(1);
    expect([...second.bytes]).to.deep.equal([1, 2]);
    expect(second.seen.get('a')).to.deep.equal({ n: 1 });
    expect([...second.ids]).to.deep.equal([1]);
    expect(Object.isFrozen(second.seen.get('a'))).to.equal(true);
  });
});
