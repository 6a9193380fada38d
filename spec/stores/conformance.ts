/**
 * The behaviour every {@link Store} shares, run against each store (memory, Redis, Redis Cluster,
 * tiered...). It uses only the Store interface, awaits every answer (a store may answer
 * synchronously or with a promise), runs on real time (no fake timers: short TTLs with generous
 * waits) and gives every test its own random namespaces and tags, so it can run against a shared
 * backend.
 *
 * Value faithfulness (Date, Map, Set, BigInt, -0, undefined inside arrays...) is not tested here:
 * the memory store keeps references, so it is faithful by construction, and the byte-level round
 * trip belongs to the serializer specs of the stores that serialize.
 */
import { expect } from 'chai';
import type { EntryKey, Store, StoredEntry } from '../../lib/stores/store.js';
import { until } from '../helpers/deferred.js';

/** Short TTL for expiry tests, and how long to wait for it to pass (large margin). */
const SHORT_TTL_MS = 40;
const PAST_SHORT_TTL_MS = 150;
/** Long enough that no test run comes near it. */
const LONG_TTL_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A namespace no other test (or earlier run against a shared backend) uses. */
function uniqueNamespace(): string {
  return `cf${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Register the conformance suite for one store.
 *
 * @param label - shown in the suite title, e.g. `'memoryStore()'`
 * @param makeStore - a fresh store for each test
 * @param cleanup - runs after every test with that test's store, which may already be closed;
 *   default: `store.close()`
 */
export function describeStoreConformance(
  label: string,
  makeStore: () => Promise<Store> | Store,
  cleanup?: (store: Store) => Promise<void> | void,
): void {
  describe(`Store conformance: ${label}`, function () {
    this.timeout(10_000);
    let store: Store;
    let made = false;
    let ns: string;
    let other: string;
    /** An entry of this test's namespace. */
    const k = (id: string): EntryKey => [ns, id];
    const tag = (name: string): string => `${ns}-${name}`;

    beforeEach(async () => {
      made = false;
      store = await makeStore();
      made = true;
      // Connected before the test: on a loaded machine, connecting (a Cluster's slot map, three
      // nodes) can take longer than the first operation's command timeout, which is not what
      // these tests are about.
      await until(async () => (await store.health()).ok, { what: `${store.name} reachable`, timeoutMs: 8_000 });
      ns = uniqueNamespace();
      other = uniqueNamespace();
    });

    afterEach(async () => {
      if (!made) return; // makeStore failed; that failure is already reported
      made = false;
      if (cleanup) await cleanup(store);
      else await store.close();
    });

    async function valueAt([namespace, id]: EntryKey): Promise<unknown> {
      const entry = await store.get(namespace, id);
      return entry === undefined ? undefined : entry.value;
    }

    describe('get / set', () => {
      it('answers undefined for a missing key', async () => {
        expect(await store.get(...k('missing'))).to.equal(undefined);
      });

      it('round-trips objects, arrays, null, strings, numbers and booleans', async () => {
        const values: Record<string, unknown> = {
          object: { id: 7, name: 'widget', nested: { list: [1, 'two', null], flag: true } },
          array: [1, 'a', { b: [2, 3] }, null],
          emptyObject: {},
          emptyArray: [],
          null: null,
          string: 'héllo wörld ✓ "quoted" \\ back',
          emptyString: '',
          integer: 42,
          negative: -17,
          float: 3.25,
          zero: 0,
          true: true,
          false: false,
        };
        for (const [id, value] of Object.entries(values)) await store.set(...k(id), value, { ttlMs: LONG_TTL_MS });
        for (const [id, value] of Object.entries(values)) {
          const entry = await store.get(...k(id));
          expect(entry, id).to.not.equal(undefined);
          expect(entry?.value, id).to.deep.equal(value);
        }
      });

      it('overwrites the previous value', async () => {
        await store.set(...k('a'), 'first', { ttlMs: LONG_TTL_MS });
        await store.set(...k('a'), { second: true }, { ttlMs: LONG_TTL_MS });
        expect(await valueAt(k('a'))).to.deep.equal({ second: true });
      });

      it('keeps keys apart, including one without a namespace', async () => {
        await store.set(...k('a'), 'a', { ttlMs: LONG_TTL_MS });
        await store.set('', `${ns}a`, 'no colon', { ttlMs: LONG_TTL_MS });
        await store.set(other, 'a', 'other', { ttlMs: LONG_TTL_MS });
        expect(await valueAt(k('a'))).to.equal('a');
        expect(await valueAt(['', `${ns}a`])).to.equal('no colon');
        expect(await valueAt([other, 'a'])).to.equal('other');
      });
    });

    describe('TTL', () => {
      it('stops returning an entry once its TTL has passed', async () => {
        await store.set(...k('short'), 'v', { ttlMs: SHORT_TTL_MS });
        await store.set(...k('long'), 'v', { ttlMs: LONG_TTL_MS });
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(...k('short'))).to.equal(undefined);
        expect(await valueAt(k('long'))).to.equal('v');
      });

      it('accepts a fractional TTL', async () => {
        await store.set(...k('fraction'), 'v', { ttlMs: 30.5 });
        await store.set(...k('fraction-long'), 'v', { ttlMs: 5_000.5 });
        expect(await valueAt(k('fraction-long'))).to.equal('v');
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(...k('fraction'))).to.equal(undefined);
        expect(await valueAt(k('fraction-long'))).to.equal('v');
      });

      it('never expires an entry with an Infinity TTL', async () => {
        await store.set(...k('forever'), 'v', { ttlMs: Infinity });
        await sleep(PAST_SHORT_TTL_MS);
        const entry = await store.get(...k('forever'));
        expect(entry?.value).to.equal('v');
        expect(entry?.expiresAt).to.equal(Infinity);
      });

      it('reports expiresAt as about now + ttl', async () => {
        const ttlMs = 5_000;
        const before = Date.now();
        await store.set(...k('a'), 'v', { ttlMs });
        const entry = await store.get(...k('a'));
        const after = Date.now();
        expect(entry).to.not.equal(undefined);
        // Stores that keep whole milliseconds may round; 25 ms covers that and a slow round trip.
        expect((entry as StoredEntry).expiresAt).to.be.within(before + ttlMs - 25, after + ttlMs + 25);
      });

      it('replaces the TTL on overwrite, both ways', async () => {
        await store.set(...k('grows'), 'v1', { ttlMs: SHORT_TTL_MS });
        await store.set(...k('grows'), 'v2', { ttlMs: LONG_TTL_MS });
        await store.set(...k('shrinks'), 'v1', { ttlMs: Infinity });
        await store.set(...k('shrinks'), 'v2', { ttlMs: SHORT_TTL_MS });
        await sleep(PAST_SHORT_TTL_MS);
        expect(await valueAt(k('grows'))).to.equal('v2');
        expect(await store.get(...k('shrinks'))).to.equal(undefined);
      });
    });

    describe('stale and grace windows', () => {
      it('keeps an entry past its TTL for its windows, answering them with it', async () => {
        const before = Date.now();
        await store.set(...k('w'), 'v', { ttlMs: SHORT_TTL_MS, staleMs: LONG_TTL_MS, graceMs: 1_000, loadMs: 12.5 });
        await sleep(PAST_SHORT_TTL_MS);
        const entry = await store.get(...k('w'));
        expect(entry?.value).to.equal('v');
        // Whole-millisecond stores may round the expiry up.
        expect(entry?.expiresAt).to.be.within(before + SHORT_TTL_MS - 1, Date.now() - 1);
        expect(entry?.staleMs).to.equal(LONG_TTL_MS);
        expect(entry?.graceMs).to.equal(1_000);
        expect(entry?.loadMs).to.equal(12.5);
      });

      it('keeps an entry in grace alone, and drops it once its last window ends', async () => {
        await store.set(...k('grace'), 'g', { ttlMs: SHORT_TTL_MS, graceMs: LONG_TTL_MS });
        await store.set(...k('short'), 's', { ttlMs: SHORT_TTL_MS, staleMs: 20, graceMs: 20 });
        await sleep(PAST_SHORT_TTL_MS);
        const graced = await store.get(...k('grace'));
        expect(graced?.value).to.equal('g');
        expect(graced?.staleMs ?? 0).to.equal(0);
        expect(graced?.graceMs).to.equal(LONG_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(...k('short'))).to.equal(undefined);
        expect((await store.getMany([k('short'), k('grace')])).map((entry) => entry?.value)).to.deep.equal([undefined, 'g']);
      });

      it('writes windows with setMany, and an overwrite without windows drops them', async () => {
        await store.setMany([
          { namespace: ns, id: 'a', value: 1, ttlMs: SHORT_TTL_MS, staleMs: LONG_TTL_MS },
          { namespace: ns, id: 'b', value: 2, ttlMs: SHORT_TTL_MS, staleMs: LONG_TTL_MS },
        ]);
        await store.set(...k('b'), 3, { ttlMs: SHORT_TTL_MS });
        await sleep(PAST_SHORT_TTL_MS);
        expect((await store.get(...k('a')))?.staleMs).to.equal(LONG_TTL_MS);
        expect(await store.get(...k('b'))).to.equal(undefined);
      });

      it('never answers a deleted or invalidated entry from its windows', async () => {
        const windows = { ttlMs: SHORT_TTL_MS, staleMs: LONG_TTL_MS, graceMs: LONG_TTL_MS };
        await store.set(...k('deleted'), 1, windows);
        await store.set(...k('tagged'), 2, { ...windows, tags: [tag('t')] });
        await store.set(other, 'cleared', 3, windows);
        await store.set(...k('kept'), 4, windows);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.delete(...k('deleted')), 'a stale entry is live').to.equal(true);
        await store.invalidateTags([tag('t')]);
        await store.deleteNamespace(other);
        expect(await store.getMany([k('deleted'), k('tagged'), [other, 'cleared']])).to.deep.equal([undefined, undefined, undefined]);
        expect(await valueAt(k('kept'))).to.equal(4);
      });

      it('expire() makes a fresh entry stale now and restarts its windows from now', async () => {
        expect(store.expire, 'every store of the package implements expire').to.be.a('function');
        const expire = (id: string): Promise<boolean> => Promise.resolve(store.expire?.(ns, id) ?? false);
        await store.set(...k('fresh'), 'f', { ttlMs: LONG_TTL_MS, staleMs: LONG_TTL_MS, graceMs: 500 });
        await store.set(...k('soon-gone'), 's', { ttlMs: LONG_TTL_MS, staleMs: 20, graceMs: 20 });
        const before = Date.now();
        expect(await expire('fresh')).to.equal(true);
        expect(await expire('soon-gone')).to.equal(true);
        const entry = await store.get(...k('fresh'));
        expect(entry?.value).to.equal('f');
        expect(entry?.expiresAt).to.be.within(before - 25, Date.now() + 1);
        expect(entry?.staleMs).to.equal(LONG_TTL_MS);
        expect(entry?.graceMs).to.equal(500);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(...k('soon-gone')), 'its windows ran from the expire').to.equal(undefined);
        expect(await valueAt(k('fresh'))).to.equal('f');
      });

      it('expire() leaves an entry past its TTL as it is, removes one without windows, and answers false for none', async () => {
        const expire = (namespace: string, id: string): Promise<boolean> => Promise.resolve(store.expire?.(namespace, id) ?? false);
        await store.set(...k('stale'), 's', { ttlMs: SHORT_TTL_MS, staleMs: LONG_TTL_MS });
        await store.set(...k('plain'), 'p', { ttlMs: LONG_TTL_MS });
        await store.set(...k('tagged'), 't', { ttlMs: LONG_TTL_MS, staleMs: LONG_TTL_MS, tags: [tag('t')] });
        await sleep(PAST_SHORT_TTL_MS);
        const staleBefore = await store.get(...k('stale'));
        expect(await expire(ns, 'stale')).to.equal(true);
        // Unchanged, not moved to now (a tiered store's L1 copy and L2 may round a millisecond apart).
        const expiresBefore = staleBefore?.expiresAt as number;
        expect((await store.get(...k('stale')))?.expiresAt).to.be.within(expiresBefore - 2, expiresBefore + 2);
        expect(await expire(ns, 'plain')).to.equal(true);
        expect(await store.get(...k('plain'))).to.equal(undefined);
        await store.invalidateTags([tag('t')]);
        expect(await expire(ns, 'tagged'), 'an invalidated entry is not live').to.equal(false);
        expect(await store.get(...k('tagged'))).to.equal(undefined);
        expect(await expire(ns, 'never-set')).to.equal(false);
      });
    });

    describe('delete', () => {
      it('answers true when a live entry was removed, false otherwise', async () => {
        await store.set(...k('a'), 'v', { ttlMs: LONG_TTL_MS });
        expect(await store.delete(...k('a'))).to.equal(true);
        expect(await store.get(...k('a'))).to.equal(undefined);
        expect(await store.delete(...k('a'))).to.equal(false);
        expect(await store.delete(...k('never-set'))).to.equal(false);
      });

      it('answers false for an expired or invalidated entry', async () => {
        await store.set(...k('expired'), 'v', { ttlMs: SHORT_TTL_MS });
        await store.set(...k('tagged'), 'v', { ttlMs: LONG_TTL_MS, tags: [tag('t')] });
        await store.set(other, 'cleared', 'v', { ttlMs: LONG_TTL_MS });
        await sleep(PAST_SHORT_TTL_MS);
        await store.invalidateTags([tag('t')]);
        await store.deleteNamespace(other);
        expect(await store.delete(...k('expired'))).to.equal(false);
        expect(await store.delete(...k('tagged'))).to.equal(false);
        expect(await store.delete(other, 'cleared')).to.equal(false);
      });

      it('deleteMany answers how many live entries it removed', async () => {
        await store.set(...k('a'), 1, { ttlMs: LONG_TTL_MS });
        await store.set(...k('b'), 2, { ttlMs: LONG_TTL_MS });
        await store.set(...k('keep'), 3, { ttlMs: LONG_TTL_MS });
        expect(await store.deleteMany([k('a'), k('missing'), k('b'), k('a')])).to.equal(2);
        expect(await store.get(...k('a'))).to.equal(undefined);
        expect(await store.get(...k('b'))).to.equal(undefined);
        expect(await valueAt(k('keep'))).to.equal(3);
        expect(await store.deleteMany([])).to.equal(0);
      });
    });

    describe('getMany / setMany', () => {
      it('getMany answers in the order of the keys, with undefined for misses', async () => {
        await store.set(...k('a'), 'A', { ttlMs: LONG_TTL_MS });
        await store.set(...k('c'), 'C', { ttlMs: LONG_TTL_MS });
        const entries = await store.getMany([k('c'), k('b'), k('a'), k('c')]);
        expect(entries.map((entry) => entry?.value)).to.deep.equal(['C', undefined, 'A', 'C']);
        expect(await store.getMany([])).to.deep.equal([]);
      });

      it('setMany writes every entry with its own TTL and tags', async () => {
        await store.setMany([
          { namespace: ns, id: 'a', value: { n: 1 }, ttlMs: LONG_TTL_MS },
          { namespace: ns, id: 'b', value: [2], ttlMs: SHORT_TTL_MS },
          { namespace: ns, id: 'c', value: 'three', ttlMs: Infinity, tags: [tag('t')] },
        ]);
        const entries = await store.getMany([k('a'), k('c')]);
        expect(entries.map((entry) => entry?.value)).to.deep.equal([{ n: 1 }, 'three']);
        expect(entries[1]?.expiresAt).to.equal(Infinity);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(...k('b'))).to.equal(undefined);
        await store.invalidateTags([tag('t')]);
        expect(await store.get(...k('c'))).to.equal(undefined);
        expect(await valueAt(k('a'))).to.deep.equal({ n: 1 });
        await store.setMany([]);
      });
    });

    describe('deleteNamespace', () => {
      it('drops every entry of that namespace and only those', async () => {
        await store.set(...k('a'), 1, { ttlMs: LONG_TTL_MS });
        await store.set(...k('b'), 2, { ttlMs: Infinity, tags: [tag('t')] });
        await store.set(other, 'a', 3, { ttlMs: LONG_TTL_MS });
        await store.set(`${ns}x`, 'a', 4, { ttlMs: LONG_TTL_MS }); // a namespace sharing the prefix
        await store.deleteNamespace(ns);
        expect(await store.getMany([k('a'), k('b')])).to.deep.equal([undefined, undefined]);
        expect(await valueAt([other, 'a'])).to.equal(3);
        expect(await valueAt([`${ns}x`, 'a'])).to.equal(4);
      });

      it('shows entries written after the clear again', async () => {
        await store.set(...k('a'), 'old', { ttlMs: LONG_TTL_MS });
        await store.deleteNamespace(ns);
        await store.set(...k('a'), 'new', { ttlMs: LONG_TTL_MS, tags: [tag('t')] });
        await store.set(...k('b'), 'b', { ttlMs: LONG_TTL_MS });
        expect(await valueAt(k('a'))).to.equal('new');
        expect(await valueAt(k('b'))).to.equal('b');
        // Clearing twice works the same way.
        await store.deleteNamespace(ns);
        expect(await store.get(...k('a'))).to.equal(undefined);
        await store.set(...k('a'), 'newer', { ttlMs: LONG_TTL_MS });
        expect(await valueAt(k('a'))).to.equal('newer');
      });

      it('accepts a namespace that has no entries', async () => {
        await store.deleteNamespace(uniqueNamespace());
        await store.set(...k('a'), 1, { ttlMs: LONG_TTL_MS });
        expect(await valueAt(k('a'))).to.equal(1);
      });
    });

    describe('invalidateTags', () => {
      it('drops exactly the entries carrying one of the tags', async () => {
        const [t1, t2, t3] = [tag('t1'), tag('t2'), tag('t3')];
        await store.set(...k('t1'), 'a', { ttlMs: LONG_TTL_MS, tags: [t1] });
        await store.set(...k('t2'), 'b', { ttlMs: LONG_TTL_MS, tags: [t2] });
        await store.set(...k('emptyTags'), 'c', { ttlMs: LONG_TTL_MS, tags: [] });
        await store.set(...k('noTags'), 'd', { ttlMs: LONG_TTL_MS });
        await store.set(...k('t1t3'), 'e', { ttlMs: Infinity, tags: [t1, t3] });
        await store.set(...k('t3t2'), 'f', { ttlMs: LONG_TTL_MS, tags: [t3, t2] });
        await store.set(other, 't1', 'g', { ttlMs: LONG_TTL_MS, tags: [t1] }); // tags span namespaces

        await store.invalidateTags([t1]);
        const ids = ['t1', 't2', 'emptyTags', 'noTags', 't1t3', 't3t2'];
        expect((await store.getMany(ids.map(k))).map((entry) => entry?.value)).to.deep.equal([
          undefined, 'b', 'c', 'd', undefined, 'f',
        ]);
        expect(await store.get(other, 't1')).to.equal(undefined);

        await store.invalidateTags([t2, t3]);
        expect((await store.getMany(ids.map(k))).map((entry) => entry?.value)).to.deep.equal([
          undefined, undefined, 'c', 'd', undefined, undefined,
        ]);
      });

      it('tags entries written after an invalidation again', async () => {
        const t = tag('t');
        await store.set(...k('a'), 'old', { ttlMs: LONG_TTL_MS, tags: [t] });
        await store.invalidateTags([t]);
        await store.set(...k('a'), 'new', { ttlMs: LONG_TTL_MS, tags: [t] });
        expect(await valueAt(k('a'))).to.equal('new');
        await store.invalidateTags([t]);
        expect(await store.get(...k('a'))).to.equal(undefined);
      });

      it('follows the tags of the latest write of a key', async () => {
        const [t1, t2] = [tag('t1'), tag('t2')];
        await store.set(...k('a'), 'v1', { ttlMs: LONG_TTL_MS, tags: [t1] });
        await store.set(...k('a'), 'v2', { ttlMs: LONG_TTL_MS, tags: [t2] });
        await store.invalidateTags([t1]);
        expect(await valueAt(k('a'))).to.equal('v2');
        await store.invalidateTags([t2]);
        expect(await store.get(...k('a'))).to.equal(undefined);
      });

      it('accepts unknown tags and an empty list', async () => {
        await store.set(...k('a'), 1, { ttlMs: LONG_TTL_MS, tags: [tag('t')] });
        await store.invalidateTags([]);
        await store.invalidateTags([tag('unknown')]);
        expect(await valueAt(k('a'))).to.equal(1);
      });
    });

    describe('clear / health / close', () => {
      it('clear drops every entry and the store keeps working', async () => {
        await store.set(...k('a'), 1, { ttlMs: LONG_TTL_MS, tags: [tag('t')] });
        await store.set(other, 'b', 2, { ttlMs: Infinity });
        await store.clear();
        expect(await store.getMany([k('a'), [other, 'b']])).to.deep.equal([undefined, undefined]);
        await store.set(...k('a'), 3, { ttlMs: LONG_TTL_MS, tags: [tag('t')] });
        expect(await valueAt(k('a'))).to.equal(3);
      });

      it('health answers ok with the store name', async () => {
        const health = await store.health();
        expect(health.ok).to.equal(true);
        expect(health.store).to.equal(store.name);
        expect(store.name).to.be.a('string').and.not.equal('');
        expect(health.error).to.equal(undefined);
      });

      it('close is idempotent', async () => {
        await store.close();
        await store.close();
      });
    });
  });
}
