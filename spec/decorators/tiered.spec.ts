/**
 * The decorators' semantics on the tiered store (memory L1 + Redis L2 + invalidation bus), on a
 * real single server (or REDIS_URL), with the bus subscribed so that hits come from L1. Same
 * suite as on the memory and Redis stores.
 */
import { createCache, memoryStore, redisStore, tieredStore } from '../../lib/index.js';
import { until } from '../helpers/deferred.js';
import { redisSuite, UNHURRIED_MS } from '../helpers/redis-server.js';
import { deletePrefix } from '../helpers/redis-tools.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { describeDecoratorSemantics } from './semantics.js';

describe('decorators on the tiered store', function () {
  this.timeout(20_000);
  const redis = redisSuite('decorators on a tiered store');
  after(async () => {
    if (!redis.server && redis.url) await deletePrefix(redis.url, redis.prefix);
  });
  // A prefix per test: entries of one test never leak into the next.
  describeDecoratorSemantics('a tiered store (memory L1 + Redis L2)', async () => {
    const store = tieredStore({ l1: memoryStore(), l2: redisStore({ url: redis.url, prefix: `${redis.prefix}-${uniqueNamespace('t')}`, commandTimeoutMs: UNHURRIED_MS }) });
    void store.health(); // starts the bus
    await until(() => store.stats.bus === 'up');
    return createCache({ store });
  });
});
