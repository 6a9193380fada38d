/**
 * The decorators' semantics on the Redis store: a real single server (or REDIS_URL) and a real
 * 3-master Cluster. Same suite as on the memory store.
 */
import { createCache, redisStore, type RedisStore } from '../../lib/index.js';
import { redisClusterSuite, redisSuite, UNHURRIED_MS } from '../helpers/redis-server.js';
import { deletePrefix } from '../helpers/redis-tools.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { describeDecoratorSemantics } from './semantics.js';

describe('decorators on Redis', function () {
  this.timeout(20_000);

  describe('single server', () => {
    const redis = redisSuite('decorators on a Redis server');
    after(async () => {
      if (!redis.server && redis.url) await deletePrefix(redis.url, redis.prefix);
    });
    // A prefix per test: entries of one test never leak into the next.
    describeDecoratorSemantics('a Redis server', () =>
      createCache({ store: redisStore({ url: redis.url, prefix: `${redis.prefix}-${uniqueNamespace('t')}`, commandTimeoutMs: UNHURRIED_MS }) }),
    );
  });

  describe('Cluster', () => {
    const redis = redisClusterSuite('decorators on a Redis Cluster');
    describeDecoratorSemantics('a Redis Cluster', () => {
      const store: RedisStore = redisStore({ nodes: [...(redis.cluster?.urls ?? [])], prefix: `${redis.prefix}-${uniqueNamespace('c')}`, commandTimeoutMs: UNHURRIED_MS });
      return createCache({ store });
    });
  });
});
