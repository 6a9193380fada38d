/**
 * Everything the Redis store (and the tiered store's bus) puts in Redis is under `prefix:`: after a
 * workload that touches every kind of key (entries, prefix/namespace/tag generation keys, the bus
 * channel), `SCAN MATCH *` finds only `prefix:*` keys, and a Redis ACL user restricted to
 * `~prefix:* &prefix:*` can do all of it.
 */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { BackendError, createCache, memoryStore, redisStore, tieredStore, type TieredStore } from '../../lib/index.js';
import { until } from '../helpers/deferred.js';
import { randomPrefix, rawCommand, redisSuite } from '../helpers/redis-server.js';
import { rawRedis } from '../helpers/redis-tools.js';

const LONG = 60_000;

/** Start the bus of each store (health() does) and wait until every one is subscribed. */
async function busUp(...stores: TieredStore[]): Promise<void> {
  for (const store of stores) void store.health();
  await until(() => stores.every((store) => store.stats.bus === 'up'), 5_000);
}

/** Run `op` on `sender`, then wait until `receiver` heard every invalidation `sender` published meanwhile. */
async function heard(sender: TieredStore, receiver: TieredStore, op: () => Promise<unknown>): Promise<void> {
  const published = sender.stats.busPublished;
  const received = receiver.stats.busReceived;
  await op();
  await until(() => sender.stats.busPublished > published, 5_000);
  await until(() => receiver.stats.busReceived - received >= sender.stats.busPublished - published, 5_000);
}

/**
 * Every operation of a `required` cache over `redisStore` (so a refused command rejects), then two
 * tiered stores keeping their L1s coherent over the bus. Answers the bus channels seen subscribed.
 */
async function workload(url: string, prefix: string, admin: Redis): Promise<string[]> {
  const cache = createCache({ store: redisStore({ url, prefix }), required: true });
  try {
    await cache.set('user:1', { name: 'Ada' }, { ttl: '1m', tags: ['team:7'] });
    await cache.set('user:2', 'two', { ttl: Infinity });
    await cache.set('bare', 'no namespace', { ttl: '1m' });
    expect(await cache.get('user:1')).to.deep.equal({ name: 'Ada' });
    expect(await cache.getMany(['user:1', 'user:2', 'bare'])).to.deep.equal([{ name: 'Ada' }, 'two', 'no namespace']);
    expect(await cache.ttl('user:2')).to.equal(Infinity);
    expect(await cache.getOrSet('report:daily', async () => 'built', { ttl: '1m' })).to.equal('built');
    await cache.invalidateTags(['team:7']);
    expect(await cache.get('user:1')).to.equal(undefined);
    await cache.clearNamespace('user'); // what @CacheEvict({ allEntries: true }) does
    expect(await cache.get('user:2')).to.equal(undefined);
    expect(await cache.del('report:daily')).to.equal(true);
    expect(await cache.delMany(['bare', 'nope:1'])).to.equal(1);
    await cache.set('user:3', 3, { ttl: '1m', tags: ['t'] });
    await cache.clear();
    expect(await cache.get('user:3')).to.equal(undefined);
    await cache.set('user:4', 4, { ttl: '1m', tags: ['t'] }); // leaves keys behind for the SCAN
    expect((await cache.health()).ok).to.equal(true);
  } finally {
    await cache.close();
  }

  const a = tieredStore({ l1: memoryStore(), l2: redisStore({ url, prefix }) });
  const b = tieredStore({ l1: memoryStore(), l2: redisStore({ url, prefix }) });
  try {
    await busUp(a, b);
    const channels = (await admin.pubsub('CHANNELS', '*')) as string[];
    await heard(a, b, () => a.set('ns', 'k', 'v1', { ttlMs: LONG, tags: ['tag'] }));
    expect((await b.get('ns', 'k'))?.value).to.equal('v1'); // now in b's L1
    expect(b.l1.get('ns', 'k')).to.not.equal(undefined);
    await heard(a, b, () => a.invalidateTags(['tag']));
    expect(b.l1.get('ns', 'k')).to.equal(undefined);
    expect(await b.get('ns', 'k')).to.equal(undefined);
    expect(a.stats.busPublished).to.be.greaterThan(0);
    expect((await a.health()).ok).to.equal(true);
    return channels;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Every key of the server's database 0. */
async function allKeys(admin: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', '*', 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys.sort();
}

describe('redisStore keeps every key and channel under prefix:', function () {
  this.timeout(20_000);
  const redis = redisSuite('redisStore prefix', { ownServer: true });
  let admin: Redis;
  before(() => {
    admin = rawRedis(redis.url);
  });
  after(() => admin?.disconnect());

  it('SCAN MATCH * finds only prefix:* keys after a workload, and the bus channel is prefix:*', async () => {
    const prefix = randomPrefix('scan');
    await admin.flushall();
    const channels = await workload(redis.url, prefix, admin);
    const keys = await allKeys(admin);
    // The workload left entries and every kind of generation key: the check below is not empty.
    expect(keys).to.include.members([`${prefix}:user:4`, `${prefix}::all`, `${prefix}::ns:user`, `${prefix}::tag:t`]);
    expect(keys.filter((key) => !key.startsWith(`${prefix}:`))).to.deep.equal([]);
    expect(channels).to.deep.equal([`${prefix}::bus`]);
  });

  /** The commands the README lists as the least a restricted user needs. */
  const LEAST = '+eval +evalsha +get +set +mget +del +getrange +type +pttl +pexpire +persist +ping +publish +subscribe +info +client +time +lpush +ltrim +lrange';
  for (const [label, commands] of [['every command', '+@all'], ['the least commands the README lists', `-@all ${LEAST}`]] as const) {
    it(`works for an ACL user restricted to ~prefix:* &prefix:* (${label})`, async () => {
      const prefix = randomPrefix('acl');
      const user = `cf-${prefix}`;
      const port = redis.server?.port as number;
      expect(await rawCommand(port, `ACL SETUSER ${user} on >pw resetkeys ~${prefix}:* resetchannels &${prefix}:* ${commands}`)).to.equal('+OK');
      const url = `redis://${user}:pw@127.0.0.1:${port}`;
      // The restriction holds: outside prefix: is refused to this user.
      const restricted = rawRedis(url);
      try {
        expect(await restricted.set(`${prefix}:x`, '1')).to.equal('OK');
        const refused = await restricted.set(`${prefix}#x`, '1').then(() => undefined, (error: unknown) => error);
        expect(String(refused)).to.match(/NOPERM/);
        const refusedChannel = await restricted.publish(`${prefix}#bus`, 'x').then(() => undefined, (error: unknown) => error);
        expect(String(refusedChannel)).to.match(/NOPERM/);
      } finally {
        restricted.disconnect();
      }
      await workload(url, prefix, admin);
    });
  }

  it('says which ACL rules the store needs when the user lacks them', async () => {
    const prefix = randomPrefix('noacl');
    const user = `cf-${prefix}`;
    const port = redis.server?.port as number;
    expect(await rawCommand(port, `ACL SETUSER ${user} on >pw resetkeys ~elsewhere:* resetchannels +@all`)).to.equal('+OK');
    const store = redisStore({ url: `redis://${user}:pw@127.0.0.1:${port}`, prefix });
    try {
      const error = (await store.set('ns', 'a', 1, { ttlMs: LONG }).then(() => undefined, (e: unknown) => e)) as Error;
      expect(error).to.be.instanceOf(BackendError);
      expect(error.message).to.contain('the Redis user lacks a permission').and.contain(`~${prefix}:*`).and.contain(`&${prefix}:*`);
      expect((error.cause as Error).message).to.match(/^NOPERM/);
    } finally {
      await store.close();
    }
  });
});
