import { expect } from 'chai';
import {
  CacheKeyError,
  createCache,
  InvalidOptionError,
  InvalidTtlError,
  memoize,
  memoryStore,
  NamespaceConflictError,
  registerCache,
  unregisterCache,
} from '../../lib/index.js';
import { deferred } from '../helpers/deferred.js';
import { useDefaultCache } from '../helpers/default-cache.js';

let unique = 0;
/** A namespace no other test claimed (claims are process-wide). */
const fresh = (): string => `memo-${process.pid}-${++unique}`;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('memoize', () => {
  const cache = useDefaultCache();

  it('caches by the canonical encoding of the arguments: equal lists share an entry, different ones never', async () => {
    let runs = 0;
    const square = memoize(async (n: number | string) => {
      runs++;
      return typeof n === 'number' ? n * n : `${n}${n}`;
    }, { namespace: fresh() });
    expect(await square(3)).to.equal(9);
    expect(await square(3)).to.equal(9);
    expect(await square('3')).to.equal('33');
    expect(runs).to.equal(2);
    expect(cache().stats().hits).to.equal(1);
  });

  it('runs the function once for concurrent equal calls, and passes `this` through', async () => {
    const gate = deferred<string>();
    let runs = 0;
    const load = memoize(async function (this: { id: string } | undefined, key: string) {
      runs++;
      return `${this?.id ?? '-'}:${key}:${await gate.promise}`;
    }, { namespace: fresh() });
    const calls = [load.call({ id: 'a' }, 'k'), load.call({ id: 'a' }, 'k'), load.call({ id: 'a' }, 'k')];
    gate.resolve('v');
    expect(await Promise.all(calls)).to.deep.equal(['a:k:v', 'a:k:v', 'a:k:v']);
    expect(runs).to.equal(1);
  });

  it("derives its namespace from the function's name, and refuses a second function of the same name", async () => {
    const name = fresh().replaceAll('-', '_');
    const fn = { [name]: async (id: number) => id }[name] as (id: number) => Promise<number>;
    const memoized = memoize(fn);
    expect(memoized.namespace).to.equal(name);
    expect(memoized.keyOf(7)).to.match(new RegExp(`^${name}:`));
    await memoized(7);
    expect(await cache().get(memoized.keyOf(7))).to.equal(7);
    // The same function memoized again shares its entries; another function of that name does not.
    expect(memoize(fn).namespace).to.equal(name);
    const other = { [name]: async (id: number) => id + 1 }[name] as (id: number) => Promise<number>;
    const conflict = thrown(() => memoize(other));
    expect(conflict).to.be.instanceOf(NamespaceConflictError);
    expect(conflict.message).to.contain(name);
  });

  it('needs a namespace for an anonymous function', () => {
    const anonymous = [async () => 1][0] as () => Promise<number>;
    const error = thrown(() => memoize(anonymous));
    expect(error).to.be.instanceOf(InvalidOptionError);
    expect(error.message).to.contain('namespace');
  });

  it('invalidate drops one entry, refresh loads and stores whatever is cached, peek reads without loading', async () => {
    let version = 0;
    const read = memoize(async (id: number) => `${id}v${++version}`, { namespace: fresh() });
    expect(await read.peek(1)).to.equal(undefined);
    expect(version).to.equal(0);
    expect(await read(1)).to.equal('1v1');
    expect(await read.peek(1)).to.equal('1v1');
    expect(await read.refresh(1)).to.equal('1v2');
    expect(await read(1)).to.equal('1v2');
    expect(await read.invalidate(1)).to.equal(true);
    expect(await read.invalidate(1)).to.equal(false);
    expect(await read(1)).to.equal('1v3');
    expect(version).to.equal(3);
  });

  it("takes @Cacheable's options: key, ttl, tags, resultTags, condition, unless", async () => {
    let runs = 0;
    const find = memoize(
      async (user: { id: number; admin: boolean }) => {
        runs++;
        return user.id === 0 ? null : { id: user.id };
      },
      {
        namespace: fresh(),
        key: (user) => user.id,
        ttl: (result) => (result === null ? 0 : '1m'),
        tags: (user) => [`user:${user.id}`],
        resultTags: (result) => (result === null ? [] : ['found']),
        condition: (user) => !user.admin,
        unless: (result, user) => user.id === 2,
      },
    );
    await find({ id: 1, admin: false });
    await find({ id: 1, admin: false });
    expect(runs).to.equal(1);
    await find({ id: 1, admin: true }); // bypasses the cache
    expect(runs).to.equal(2);
    await find({ id: 0, admin: false });
    await find({ id: 0, admin: false }); // ttl 0: not stored
    expect(runs).to.equal(4);
    await find({ id: 2, admin: false });
    await find({ id: 2, admin: false }); // unless: not stored
    expect(runs).to.equal(6);
    await cache().invalidateTags(['found']);
    await find({ id: 1, admin: false });
    expect(runs).to.equal(7);
    await cache().invalidateTags(['user:1']);
    await find({ id: 1, admin: false });
    expect(runs).to.equal(8);
    expect(find.keyOf({ id: 5, admin: false })).to.equal(`${find.namespace}:k5`);
  });

  it('goes through the cache named by `cache`', async () => {
    const named = registerCache(createCache({ store: memoryStore() }), 'memo-named');
    try {
      const fn = memoize(async (n: number) => n + 1, { namespace: fresh(), cache: 'memo-named' });
      await fn(1);
      expect(await named.get(fn.keyOf(1))).to.equal(2);
      expect(await cache().get(fn.keyOf(1))).to.equal(undefined);
    } finally {
      unregisterCache('memo-named');
      await named.close();
    }
  });

  it('rejects bad options when it is called, with typed errors, and arguments it cannot encode when the function is', async () => {
    expect(thrown(() => memoize('nope' as never))).to.be.instanceOf(InvalidOptionError);
    expect(thrown(() => memoize(async () => 1, { namespace: 'a:b' }))).to.be.instanceOf(InvalidOptionError);
    expect(thrown(() => memoize(async () => 1, { namespace: fresh(), ttl: -1 }))).to.be.instanceOf(InvalidTtlError);
    expect(thrown(() => memoize(async () => 1, { namespace: fresh(), grace: Infinity }))).to.be.instanceOf(InvalidTtlError);
    const typo = thrown(() => memoize(async () => 1, { namespace: fresh(), tll: '1m' } as never));
    expect(typo).to.be.instanceOf(InvalidOptionError);
    expect(typo.message).to.contain('tll');
    const withFunction = memoize(async (value: unknown) => String(value), { namespace: fresh() });
    let error: unknown;
    await withFunction(() => 1).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(CacheKeyError);
  });
});
