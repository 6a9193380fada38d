/**
 * redisStore options, URL parsing, names and derived client settings, envelope parsing and the
 * deadline timer: no server needed.
 */
import { expect } from 'chai';
import { Redis, Cluster } from 'ioredis';
import sinon from 'sinon';
import { InvalidOptionError } from '../../lib/core/errors.js';
import { taggedJsonSerializer } from '../../lib/serializers/tagged-json.js';
import { DEFAULT_CLUSTER_SHARDS, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_PREFIX, redisStore } from '../../lib/stores/redis.js';
import { clusterClientOptions, Deadlines, standaloneClientOptions } from '../../lib/stores/redis/connection.js';
import { type Envelope, parseEnvelope, type TagToken } from '../../lib/stores/redis/envelope.js';
import { explainFailure, explainRefusedDatabase, isConnectionDrop, isSelectRefusal } from '../../lib/stores/redis/failure.js';
import { CLUSTER_SLOTS, KeyLayout, keySlot, shardHashTags, TokenSource } from '../../lib/stores/redis/layout.js';
import { parseRedisUrl, redactUrl, resolveRedisStoreOptions } from '../../lib/stores/redis/options.js';
import { pxOf } from '../../lib/stores/redis/store.js';
import { thrown } from '../helpers/thrown.js';

describe('redisStore options', () => {
  it('applies defaults', () => {
    const resolved = resolveRedisStoreOptions({ url: 'redis://127.0.0.1:6379' });
    expect(resolved.prefix).to.equal(DEFAULT_PREFIX).and.equal('cacheflight');
    expect(resolved.commandTimeoutMs).to.equal(DEFAULT_COMMAND_TIMEOUT_MS).and.equal(200);
    expect(resolved.clusterShards).to.equal(DEFAULT_CLUSTER_SHARDS).and.equal(16);
    expect(resolved.serializer).to.equal(taggedJsonSerializer);
    expect(resolved.name).to.equal('redis(127.0.0.1:6379/0)');
  });

  it('creates a store without connecting and without throwing for an unreachable address', async () => {
    const store = redisStore({ url: 'redis://127.0.0.1:1/0', commandTimeoutMs: 50 });
    expect(store.sharesReferences).to.equal(false);
    expect(store.name).to.equal('redis(127.0.0.1:1/0)');
    await store.close();
  });

  describe('names for logs', () => {
    const cases: Array<[object, string]> = [
      [{ url: 'redis://127.0.0.1:6379' }, 'redis(127.0.0.1:6379/0)'],
      [{ url: 'redis://:pw@cache.local/4' }, 'redis(cache.local:6379/4)'],
      [{ url: 'rediss://user:pw@cache.example.com:6380/1' }, 'rediss(cache.example.com:6380/1)'],
      [{ url: 'redis://[::1]:7000' }, 'redis([::1]:7000/0)'],
      [{ nodes: ['redis://10.0.0.1:7000', 'redis://:pw@10.0.0.2:7001'] }, 'redis-cluster(10.0.0.1:7000,10.0.0.2:7001)'],
      [{ url: 'redis://:pw@h', name: 'orders-cache' }, 'orders-cache'],
    ];
    for (const [options, name] of cases) {
      it(`${JSON.stringify(options).replace(/pw/g, '***')} -> ${name}`, () => {
        expect(resolveRedisStoreOptions(options).name).to.equal(name);
      });
    }

    it('derives a name from an application-made client, without its password', () => {
      const client = new Redis({ host: '10.1.2.3', port: 6390, db: 2, password: 'client-secret', lazyConnect: true });
      const cluster = new Cluster([{ host: '10.0.0.9', port: 7005 }], { lazyConnect: true, redisOptions: { password: 'cluster-secret' } });
      try {
        expect(resolveRedisStoreOptions({ client }).name).to.equal('redis(10.1.2.3:6390/2)');
        expect(resolveRedisStoreOptions({ client: cluster }).name).to.equal('redis-cluster(10.0.0.9:7005)');
        // A name that happens to contain the password is masked too.
        expect(resolveRedisStoreOptions({ client, name: 'x-client-secret' }).name).to.equal('x-***');
      } finally {
        client.disconnect();
        cluster.disconnect();
      }
    });
  });

  describe('URL parsing', () => {
    it('reads host, port, user, password (percent-decoded) and database', () => {
      expect(parseRedisUrl('redis://us%40er:p%40ss%3Aw@cache.local:6390/7')).to.deep.equal({
        host: 'cache.local',
        port: 6390,
        tls: false,
        username: 'us@er',
        password: 'p@ss:w',
        db: 7,
      });
      expect(parseRedisUrl('redis://h')).to.deep.include({ port: 6379, db: 0, username: undefined, password: undefined });
      expect(parseRedisUrl('redis://:only-password@h/')).to.deep.include({ username: undefined, password: 'only-password', db: 0 });
      expect(parseRedisUrl('redis://[::1]:7000').host).to.equal('::1');
    });

    it('derives TLS settings from rediss:// (no TLS server needed)', () => {
      const resolved = resolveRedisStoreOptions({ url: 'rediss://default:tls-secret@cache.example.com:6380/2', tls: { rejectUnauthorized: false } });
      expect(resolved.target.kind).to.equal('url');
      const url = parseRedisUrl('rediss://default:tls-secret@cache.example.com:6380/2');
      expect(url.tls).to.equal(true);
      const options = standaloneClientOptions(url, resolved);
      expect(options).to.deep.include({ host: 'cache.example.com', port: 6380, db: 2, username: 'default', password: 'tls-secret' });
      expect(options.tls).to.deep.equal({ servername: 'cache.example.com', rejectUnauthorized: false });
      // No SNI for an IP address; no TLS at all for redis://.
      const ip = parseRedisUrl('rediss://10.0.0.1:6380');
      expect(standaloneClientOptions(ip, resolveRedisStoreOptions({ url: 'rediss://10.0.0.1:6380' })).tls).to.deep.equal({});
      const plain = parseRedisUrl('redis://10.0.0.1');
      expect(standaloneClientOptions(plain, resolveRedisStoreOptions({ url: 'redis://10.0.0.1' }))).to.not.have.property('tls');
      // Cluster nodes over TLS.
      const nodes = ['rediss://:pw@node1.example.com:7000', 'rediss://:pw@node2.example.com:7001'].map((u) => parseRedisUrl(u));
      const clusterOptions = clusterClientOptions(nodes, resolveRedisStoreOptions({ nodes: nodes.map(() => 'rediss://:pw@node1.example.com:7000') }));
      expect(clusterOptions.redisOptions).to.deep.include({ password: 'pw', tls: { servername: 'node1.example.com' } });
    });

    it('sets fail-fast client options', () => {
      const resolved = resolveRedisStoreOptions({ url: 'redis://h', commandTimeoutMs: 150, connectTimeoutMs: 900, maxReconnectDelayMs: 700 });
      const options = standaloneClientOptions(parseRedisUrl('redis://h'), resolved);
      expect(options).to.deep.include({
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        connectTimeout: 900,
        enableAutoPipelining: false,
      });
      // the store bounds every call itself (one timer per connection), not ioredis per command
      expect(options).to.not.have.property('commandTimeout');
      const retry = options.retryStrategy as (times: number) => number;
      expect([1, 2, 3, 100].map(retry)).to.deep.equal([50, 100, 200, 700]);
    });

    it('masks the password of a URL', () => {
      expect(redactUrl('redis://user:secret@h:1/0')).to.equal('redis://user:***@h:1/0');
      expect(redactUrl('redis://:secret@h')).to.equal('redis://:***@h');
      expect(redactUrl('redis://secret@h')).to.equal('redis://***@h');
      expect(redactUrl('redis://h:1')).to.equal('redis://h:1');
    });
  });

  describe('validation', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['no options', undefined, /must be an object/],
      ['an array', [], /must be an object/],
      ['no source', {}, /needs one of the options "url"/],
      ['two sources', { url: 'redis://h', nodes: ['redis://h'] }, /exactly one/],
      ['an unknown option, with a hint', { url: 'redis://h', prefx: 'a' }, /"prefx" is not known \(did you mean "prefix"\?\)/],
      ['a url that is not a string', { url: 42 }, /"url" is 42/],
      ['a bad scheme', { url: 'http://h' }, /scheme must be redis: or rediss:/],
      ['a bad port', { url: 'redis://h:0' }, /port must be 1 to 65535/],
      ['a bad database', { url: 'redis://h/abc' }, /database number/],
      ['query parameters', { url: 'redis://h?db=1' }, /query parameters/],
      ['not a URL', { url: 'localhost:6379' }, /scheme|not a valid URL/],
      ['empty nodes', { nodes: [] }, /"nodes"/],
      ['nodes with a database', { nodes: ['redis://h/1'] }, /only database 0/],
      ['mixed TLS nodes', { nodes: ['redis://a', 'rediss://b'] }, /one scheme/],
      ['a client that is not ioredis', { client: { get() {} } }, /"client"/],
      ['closeClient without client', { url: 'redis://h', closeClient: true }, /only applies with "client"/],
      ['an empty prefix', { url: 'redis://h', prefix: '' }, /"prefix"/],
      ['a prefix with a hash tag', { url: 'redis://h', prefix: 'a{b}' }, /'\{', '\}' or '#'/],
      ['a prefix with #', { url: 'redis://h', prefix: 'a#b' }, /"prefix"/],
      ['a prefix with a space', { url: 'redis://h', prefix: 'a b' }, /"prefix"/],
      ['a zero timeout', { url: 'redis://h', commandTimeoutMs: 0 }, /"commandTimeoutMs" is 0/],
      ['an infinite timeout', { url: 'redis://h', commandTimeoutMs: Infinity }, /"commandTimeoutMs"/],
      ['a string timeout', { url: 'redis://h', connectTimeoutMs: '1s' }, /"connectTimeoutMs"/],
      ['a bad reconnect delay', { url: 'redis://h', maxReconnectDelayMs: -1 }, /"maxReconnectDelayMs"/],
      ['a serializer without decode', { url: 'redis://h', serializer: { encode: String } }, /"serializer"/],
      ['an empty name', { url: 'redis://h', name: '' }, /"name"/],
      ['fractional clusterShards', { nodes: ['redis://h'], clusterShards: 1.5 }, /"clusterShards"/],
      ['too many clusterShards', { nodes: ['redis://h'], clusterShards: 5000 }, /"clusterShards"/],
      ['tls with redis://', { url: 'redis://h', tls: {} }, /needs a rediss:\/\/ URL/],
    ];
    for (const [label, options, message] of bad) {
      it(`rejects ${label} with InvalidOptionError`, () => {
        const error = thrown(() => redisStore(options as never));
        expect(error).to.be.instanceOf(InvalidOptionError);
        expect(error.message).to.match(message);
      });
    }
  });
});

describe('redis key layout', () => {
  it('computes Redis Cluster hash slots (CRC16), honouring hash tags', () => {
    // Reference values from the Redis Cluster specification / CLUSTER KEYSLOT.
    expect(keySlot('123456789')).to.equal(12739);
    expect(keySlot('foo')).to.equal(12182);
    expect(keySlot('{user1000}.following')).to.equal(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).to.equal(keySlot('foo{}{bar}'.slice(0)));
  });

  it('picks shard hash tags in evenly spaced slot ranges, deterministically', () => {
    for (const count of [1, 3, 16, 64]) {
      const tags = shardHashTags(count);
      expect(tags).to.have.length(count);
      tags.forEach((tag, k) => {
        const slot = keySlot(tag);
        expect(slot).to.be.at.least(Math.ceil((k * CLUSTER_SLOTS) / count));
        expect(slot).to.be.below(((k + 1) * CLUSTER_SLOTS) / count);
      });
      expect(shardHashTags(count)).to.deep.equal(tags);
    }
  });

  it('lays every key out under prefix: (prefix:namespace:key standalone, prefix:{tag}:namespace:key on a Cluster)', () => {
    const standalone = new KeyLayout('app', 1, false);
    const shard = standalone.shardOf('ns:id');
    expect(standalone.entryKey(shard, 'ns:id')).to.equal('app:ns:id');
    expect(standalone.namespaceKeyOf(shard, 'ns:id')).to.equal('app::ns:ns');
    expect(standalone.tagKey(shard, 't')).to.equal('app::tag:t');
    expect(shard.allKey).to.equal('app::all');

    const cluster = new KeyLayout('app', 16, true);
    const slots = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const s = cluster.shardOf(`ns:${i}`);
      const key = cluster.entryKey(s, `ns:${i}`);
      expect(key).to.match(/^app:\{[0-9a-z]+\}:ns:\d+$/);
      // Entry and its generation keys share one slot, whatever braces the key itself contains.
      expect(keySlot(cluster.namespaceKeyOf(s, `ns:${i}`))).to.equal(keySlot(key));
      expect(keySlot(cluster.entryKey(s, `ns:{x}${i}`))).to.equal(keySlot(s.allKey));
      for (const own of [s.allKey, cluster.namespaceKeyOf(s, `ns:${i}`), cluster.tagKey(s, 't')]) {
        expect(own.startsWith(`${s.base}::`), own).to.equal(true);
        expect(own.startsWith('app:{'), own).to.equal(true);
      }
      slots.add(keySlot(key));
    }
    expect(slots.size).to.equal(16); // one namespace spreads over every shard
  });

  it('makes unique generation tokens without ":"', () => {
    const a = new TokenSource();
    const b = new TokenSource();
    const tokens = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      tokens.add(a.next());
      tokens.add(b.next());
    }
    expect(tokens.size).to.equal(2000);
    // The shape the WRITE script accepts at a generation key (IS_TOKEN in scripts.ts).
    for (const token of tokens) expect(token).to.match(/^[A-Za-z0-9_-]{13,18}$/);
  });

  it('rounds a TTL up to whole milliseconds, at least 1, and drops PX for huge or infinite ones', () => {
    expect([0.001, 0.5, 1, 1.2, 1500.2, 60_000].map(pxOf)).to.deep.equal([1, 1, 1, 2, 1501, 60_000]);
    expect(pxOf(Infinity)).to.equal(undefined);
    expect(pxOf(1e20)).to.equal(undefined);
  });
});

describe('redis envelope parsing', () => {
  const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

  it('reads expiresAt, the recorded tokens, the tags and the payload offset', () => {
    const envelope = parseEnvelope(bytes('cf2:1700000000123:ALL1:NS1:2:3:a:bTA1:6:sku:é1TB1:Jpayload'));
    expect(envelope).to.not.equal(undefined);
    const e = envelope as Envelope;
    expect(e.expiresAt).to.equal(1_700_000_000_123);
    expect(e.allIs(bytes('ALL1'))).to.equal(true);
    expect(e.allIs(bytes('ALL2'))).to.equal(false);
    expect(e.allIs(null)).to.equal(false);
    expect(e.namespaceIs(bytes('NS1'))).to.equal(true);
    expect(e.namespaceIs(bytes('NS'))).to.equal(false);
    expect(e.tagNames()).to.deep.equal(['a:b', 'sku:é']);
    expect(e.tagIs(e.tags[0] as TagToken, bytes('TA1'))).to.equal(true);
    expect(e.tagIs(e.tags[1] as TagToken, bytes('1TB1'))).to.equal(true);
    expect(e.payload().toString()).to.equal('Jpayload');
    expect(e.header().toString()).to.equal('cf2:1700000000123:ALL1:NS1:2:3:a:bTA1:6:sku:é1TB1:');
  });

  it('reads an empty expiresAt as Infinity and an untagged entry', () => {
    const e = parseEnvelope(bytes('cf2::A:N:0:J1')) as Envelope;
    expect(e.expiresAt).to.equal(Infinity);
    expect(e.tags).to.deep.equal([]);
    expect(e.payload().toString()).to.equal('J1');
    expect((parseEnvelope(bytes('cf2:5:A:N:0:')) as Envelope).payload().length).to.equal(0);
  });

  it('refuses anything else: garbage, older formats, truncated or malformed headers', () => {
    for (const text of [
      '',
      'cf2',
      'cf1:A:N:0:J1',
      'CF2::A:N:0:J1',
      'cf2:12x:A:N:0:J1',
      'cf2:1:A:N:J1',
      'cf2:1:A:N:x:J1',
      'cf2:1:A:N:1:J1',
      'cf2:1:A:N:1:9:t',
      'cf2:1:A:N:1:1:tT',
      'cf2:1:A:N:-1:J',
      'cf2:1:A',
      'cf2:12345678901234567:A:N:0:J',
      'just text',
    ]) {
      expect(parseEnvelope(bytes(text)), text).to.equal(undefined);
    }
  });
});

describe('redis store deadlines (one timer for every call in flight)', () => {
  afterEach(() => sinon.restore());

  it('arms one timer for many calls, drops settled calls, and expires only late ones', async () => {
    const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
    const deadlines = new Deadlines();
    const expired: number[] = [];
    const start = performance.now();
    const calls = Array.from({ length: 1000 }, (_, i) => deadlines.add(start + 40, () => expired.push(i)));
    expect(setTimeoutSpy.callCount).to.equal(1);
    calls.forEach((call, i) => {
      if (i !== 500) deadlines.settle(call);
    });
    expect(deadlines.size).to.be.at.most(501);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(expired).to.deep.equal([500]);
    expect(deadlines.size).to.equal(0);
  });

  it('re-arms earlier for an earlier deadline, and for what is left after a sweep', async () => {
    const deadlines = new Deadlines();
    const expired: string[] = [];
    const start = performance.now();
    deadlines.add(start + 200, () => expired.push('late'));
    deadlines.add(start + 20, () => expired.push('early'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired).to.deep.equal(['early']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(expired).to.deep.equal(['early', 'late']);
  });

  it('never keeps the process alive by itself', () => {
    const deadlines = new Deadlines();
    const spy = sinon.spy(globalThis, 'setTimeout');
    deadlines.add(performance.now() + 60_000, () => undefined);
    const timer = spy.returnValues[0] as unknown as NodeJS.Timeout;
    expect(timer.hasRef()).to.equal(false);
  });
});

describe('redis failure explanations', () => {
  const at = '10.0.0.1:6380';
  const cases: Array<[string, unknown, RegExp, RegExp]> = [
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:7000'), { code: 'ECONNREFUSED', address: '10.0.0.9', port: 7000 }), /connection refused by 10\.0\.0\.9:7000/, /running and listening at 10\.0\.0\.9:7000/],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND redis.internal'), { code: 'ENOTFOUND' }), /host was not found/, /host name in the URL/],
    ['a connect timeout', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), /connecting to 10\.0\.0\.1:6380 timed out/, /firewall/],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), /was reset/, /reconnects by itself/],
    ['a wrong password', new Error('WRONGPASS invalid username-password pair or user is disabled.'), /authentication failed/, /user and password/],
    ['a missing password', new Error('NOAUTH Authentication required.'), /authentication failed/, /requirepass/],
    ['an ACL refusal', new Error('NOPERM this user has no permissions to run the \'evalsha\' command'), /lacks a permission/, /~app:\*.*&app:\*/],
    ['a full server', new Error('OOM command not allowed when used memory > \'maxmemory\'.'), /out of memory/, /maxmemory-policy/],
    ['a replica', new Error("READONLY You can't write against a read only replica."), /read-only replica/, /master/],
    ['a loading server', new Error('LOADING Redis is loading the dataset in memory'), /loading its data set/, /once loaded/],
    ['anything else', new Error('ERR something odd'), /^ERR something odd$/, /server's log/],
  ];
  for (const [label, error, what, check] of cases) {
    it(`explains ${label}`, () => {
      const explained = explainFailure(error, at, 'app');
      expect(explained.what).to.match(what);
      expect(explained.check).to.match(check);
    });
  }

  it('explains a refused database, naming it and the "databases" setting (or the ACL)', () => {
    const range = Object.assign(new Error('ERR DB index is out of range'), { command: { name: 'select' } });
    expect(isSelectRefusal(range)).to.equal(true);
    expect(explainRefusedDatabase(99, range).what).to.contain('refused database 99');
    expect(explainRefusedDatabase(99, range).check).to.contain('"databases" setting');
    const acl = Object.assign(new Error("NOPERM this user has no permissions to run the 'select' command"), { command: { name: 'select' } });
    expect(isSelectRefusal(acl)).to.equal(true);
    expect(explainRefusedDatabase(2, acl).check).to.contain('+select');
    expect(isSelectRefusal(new Error('ERR other'))).to.equal(false);
  });

  it('recognises the client dropping a command for a failed connection', () => {
    expect(isConnectionDrop(new Error('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.'))).to.equal(true);
    expect(isConnectionDrop(new Error('Connection is closed.'))).to.equal(true);
    expect(isConnectionDrop(new Error('ERR unknown command'))).to.equal(false);
  });
});
