import { expect } from 'chai';
import { Flight } from '../../lib/cache/load/flight.js';
import { FlightTable } from '../../lib/cache/load/flights.js';

describe('FlightTable', () => {
  const keys = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`ns${i % 3}`, `id${i}`]);

  it('finds each of many flights (past the short list) and forgets each once ended', () => {
    const table = new FlightTable();
    const all = keys(40).map(([namespace, id]) => ({ namespace, id, flight: new Flight(0) }));
    for (const { namespace, id, flight } of all) table.add(namespace, id, flight);
    expect(table.size).to.equal(40);
    for (const { namespace, id, flight } of all) expect(table.get(namespace, id)).to.equal(flight);
    expect(table.get('ns0', 'id1')).to.equal(undefined); // id1 is in ns1
    // End in an order that mixes list and overflow entries; new flights refill the list meanwhile.
    for (const [i, { namespace, id, flight }] of all.entries()) {
      if (i % 2 === 0) table.end(namespace, id, flight);
    }
    const late = new Flight(1);
    table.add('ns9', 'late', late);
    expect(table.size).to.equal(21);
    for (const [i, { namespace, id, flight }] of all.entries()) expect(table.get(namespace, id)).to.equal(i % 2 === 0 ? undefined : flight);
    expect(table.get('ns9', 'late')).to.equal(late);
  });

  it('does not end a newer flight of the same key', () => {
    const table = new FlightTable();
    for (const [namespace, id] of keys(12)) table.add(namespace, id, new Flight(0));
    for (const [namespace, id] of [['ns0', 'id0'], ['ns2', 'id11']] as const) {
      const old = table.get(namespace, id) as Flight;
      table.supersede(namespace, id);
      expect(old.superseded).to.equal(true);
      const newer = new Flight(1);
      table.add(namespace, id, newer);
      table.end(namespace, id, old);
      expect(table.get(namespace, id)).to.equal(newer);
    }
    expect(table.size).to.equal(12);
  });

  it('supersedes a whole namespace, in the list and past it, and everything', () => {
    const table = new FlightTable();
    const all = keys(30).map(([namespace, id]) => ({ namespace, id, flight: new Flight(0) }));
    for (const { namespace, id, flight } of all) table.add(namespace, id, flight);
    table.supersedeNamespace('ns1');
    for (const { namespace, id, flight } of all) {
      expect(flight.superseded).to.equal(namespace === 'ns1');
      expect(table.get(namespace, id)).to.equal(namespace === 'ns1' ? undefined : flight);
    }
    expect(table.size).to.equal(20);
    table.supersedeAll();
    expect(table.size).to.equal(0);
    expect(all.every(({ flight }) => flight.superseded)).to.equal(true);
    for (const { namespace, id } of all) expect(table.get(namespace, id)).to.equal(undefined);
  });
});
