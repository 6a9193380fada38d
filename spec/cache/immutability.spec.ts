import { expect } from 'chai';
import { ownedProtectorFor, protectForStore, readStored } from '../../lib/cache/immutability.js';

class Money {
  constructor(public cents: number) {}
  double(): number {
    return this.cents * 2;
  }
}

/** Every object reachable from `value` through own properties, elements and Map/Set contents. */
function partsOf(value: unknown, seen = new Set<object>()): object[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const children: unknown[] = value instanceof Map ? [...value.values()] : value instanceof Set ? [...value] : Reflect.ownKeys(value).map((k) => (value as Record<PropertyKey, unknown>)[k]);
  return [value, ...children.flatMap((child) => partsOf(child, seen))];
}

describe("immutability 'freeze'", () => {
  const protect = (value: unknown): unknown => readStored(protectForStore(value, 'freeze'), 'freeze');

  it('keeps a deep-frozen copy and never changes the value it was given', () => {
    const value = { list: [{ n: 1 }, [2]], nested: { deep: { deeper: {} } } };
    const kept = protect(value) as typeof value;
    expect(kept).to.not.equal(value);
    expect(kept).to.deep.equal(value);
    for (const part of partsOf(value)) expect(Object.isFrozen(part), 'the original stays as it was').to.equal(false);
    for (const part of partsOf(kept)) expect(Object.isFrozen(part)).to.equal(true);
    value.list.push({ n: 3 });
    value.nested.deep = { deeper: { changed: true } };
    expect(kept).to.deep.equal({ list: [{ n: 1 }, [2]], nested: { deep: { deeper: {} } } });
  });

  it('hands every reader the same frozen copy: a hit copies nothing', () => {
    const stored = protectForStore({ a: { b: [1] } }, 'freeze');
    expect(readStored(stored, 'freeze')).to.equal(readStored(stored, 'freeze'));
  });

  it('shares what is already deeply frozen instead of copying it again', () => {
    const inner = Object.freeze({ n: 1, list: Object.freeze([1, 2]) });
    const outer = { inner, fresh: { n: 2 } };
    const kept = protect(outer) as typeof outer;
    expect(kept).to.not.equal(outer);
    expect(kept.inner).to.equal(inner);
    expect(protect(inner)).to.equal(inner);
    // Frozen on the outside only: still copied, since its contents can change.
    const shallow = Object.freeze({ list: [1] });
    const keptShallow = protect(shallow) as typeof shallow;
    expect(keptShallow).to.not.equal(shallow);
    expect(Object.isFrozen(keptShallow.list)).to.equal(true);
    expect(Object.isFrozen(shallow.list)).to.equal(false);
  });

  it('copies arrays element for element: holes stay holes, primitives and copied children in place', () => {
    const sparse = [1, , { n: 2 }, 'x', [3]];
    const kept = protect(sparse) as unknown[];
    expect(kept).to.not.equal(sparse);
    expect(kept).to.have.length(5);
    expect(1 in kept).to.equal(false);
    expect(kept).to.deep.equal(sparse);
    expect(kept[2]).to.not.equal(sparse[2]);
    expect(Object.isFrozen(kept[4])).to.equal(true);
    (sparse[2] as { n: number }).n = 9;
    sparse.push('later');
    expect(kept[2]).to.deep.equal({ n: 2 });
    expect(kept).to.have.length(5);
    // A frozen array whose only object child needs a copy: the copy is made from that child on.
    const frozenOuter = Object.freeze(['a', 'b', { n: 1 }, 'c']);
    const keptOuter = protect(frozenOuter) as unknown[];
    expect(keptOuter).to.not.equal(frozenOuter);
    expect(keptOuter).to.deep.equal(['a', 'b', { n: 1 }, 'c']);
    const long = Array.from({ length: 10_000 }, (_, i) => ({ i }));
    const keptLong = protect(long) as { i: number }[];
    expect(keptLong).to.have.length(10_000);
    expect(keptLong[9_999]).to.deep.equal({ i: 9_999 });
    expect(Object.isFrozen(keptLong[9_999])).to.equal(true);
  });

  it('copies cycles and structures deeper than the fast pass', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const kept = protect(cyclic) as Record<string, unknown>;
    expect(kept).to.not.equal(cyclic);
    expect(kept['self']).to.equal(kept);
    expect(Object.isFrozen(kept)).to.equal(true);
    expect(Object.isFrozen(cyclic)).to.equal(false);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep['next'] = {};
    let copy = protect(root) as Record<string, unknown>;
    for (let i = 0; i < 100; i++) copy = copy['next'] as Record<string, unknown>;
    expect(Object.isFrozen(copy)).to.equal(true);
    expect(Object.isFrozen(deep)).to.equal(false);
  });

  it('copies class instances with their prototype, without touching the original or the prototype', () => {
    const money = new Money(5);
    const kept = protect(money) as Money;
    expect(kept).to.be.instanceOf(Money);
    expect(kept.double()).to.equal(10);
    expect(Object.isFrozen(kept)).to.equal(true);
    expect(Object.isFrozen(money)).to.equal(false);
    expect(Object.isFrozen(Money.prototype)).to.equal(false);
    money.cents = 7;
    expect(kept.cents).to.equal(5);
  });

  it('copies Array subclasses and null-prototype objects, keeping their prototypes', () => {
    class Rows<T> extends Array<T> {}
    const rows = Rows.from([{ n: 1 }, { n: 2 }]);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { inner: { n: 3 } });
    const kept = protect({ rows, bare }) as { rows: Rows<{ n: number }>; bare: Record<string, unknown> };
    expect(kept.rows).to.be.instanceOf(Rows);
    expect(kept.rows).to.have.length(2);
    expect(Object.getPrototypeOf(kept.bare)).to.equal(null);
    for (const part of [kept.rows, kept.rows[0], kept.rows[1], kept.bare, kept.bare['inner']]) expect(Object.isFrozen(part)).to.equal(true);
    for (const part of [rows, rows[0], rows[1], bare, bare['inner']]) expect(Object.isFrozen(part)).to.equal(false);
    expect(Object.isFrozen(Rows.prototype)).to.equal(false);
  });

  it('gives each reader its own copy of what freezing cannot protect, and leaves the original alone', () => {
    const key = { id: 'k' };
    const value = {
      at: new Date(1),
      bytes: new Uint8Array([1, 2]),
      buffer: Buffer.from([1, 2]),
      seen: new Map([['a', { n: 1 }]]),
      byKey: new Map([[key, 1]]),
      ids: new Set([1]),
      pattern: /a/g,
    };
    const stored = protectForStore(value, 'freeze');
    value.at.setTime(8);
    value.bytes[0] = 8;
    value.buffer[0] = 8;
    value.seen.set('a', { n: 8 });
    value.ids.add(8);
    const first = readStored(stored, 'freeze') as typeof value;
    expect(first.at.getTime()).to.equal(1);
    expect([...first.bytes]).to.deep.equal([1, 2]);
    expect([...first.buffer]).to.deep.equal([1, 2]);
    expect(first.seen.get('a')).to.deep.equal({ n: 1 });
    expect([...first.ids]).to.deep.equal([1]);
    first.at.setTime(9);
    first.bytes[0] = 9;
    first.buffer[0] = 9;
    first.seen.set('a', { n: 9 });
    first.ids.add(9);
    expect(first.pattern.exec('aa')?.index).to.equal(0); // a RegExp keeps working (lastIndex moves)
    const second = readStored(stored, 'freeze') as typeof value;
    expect(second.at.getTime()).to.equal(1);
    expect([...second.bytes]).to.deep.equal([1, 2]);
    expect(Buffer.isBuffer(second.buffer)).to.equal(true);
    expect([...second.buffer]).to.deep.equal([1, 2]);
    expect(second.seen.get('a')).to.deep.equal({ n: 1 });
    expect([...second.ids]).to.deep.equal([1]);
    expect(second.pattern.lastIndex).to.equal(0);
    expect(Object.isFrozen(second.seen.get('a'))).to.equal(true);
    expect(second.byKey.get(key), "a Map's keys keep their identity").to.equal(1);
    expect(Object.isFrozen(key)).to.equal(false);
  });

  it('freezes in place what no one else holds (a value just decoded from a store)', () => {
    const decoded = { list: [1], at: new Date(1) };
    const stored = ownedProtectorFor('freeze')(decoded);
    const read = readStored(stored, 'freeze') as typeof decoded;
    expect(Object.isFrozen(decoded)).to.equal(true);
    read.at.setTime(2);
    expect((readStored(stored, 'freeze') as typeof decoded).at.getTime()).to.equal(1);
  });
});

describe("immutability 'clone' and 'none'", () => {
  it("'clone' stores a clone and clones it for every reader", () => {
    const value = { n: 1 };
    const stored = protectForStore(value, 'clone');
    value.n = 2;
    const a = readStored(stored, 'clone');
    expect(a).to.deep.equal({ n: 1 });
    expect(readStored(stored, 'clone')).to.not.equal(a);
    expect(Object.isFrozen(value)).to.equal(false);
  });

  it("'none' keeps the value itself", () => {
    const value = { n: 1 };
    expect(readStored(protectForStore(value, 'none'), 'none')).to.equal(value);
  });
});
