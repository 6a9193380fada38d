/**
 * Prometheus metrics for a cache, with prom-client: read outcomes and load durations from
 * cacheflight's diagnostics_channel tracing, and the cache's own counters as gauges.
 *
 *     npm run build && npx tsx examples/prometheus.ts
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Cacheable, createCache, registerCache, TRACING_CHANNELS, type CacheTraceContext } from 'cacheflight';

const registry = new Registry();
const reads = new Counter({ name: 'cacheflight_reads_total', help: 'cache reads by outcome', labelNames: ['cache', 'namespace', 'outcome'], registers: [registry] });
const loads = new Histogram({ name: 'cacheflight_load_seconds', help: 'loader run time', labelNames: ['cache', 'namespace'], buckets: [0.001, 0.01, 0.1, 1], registers: [registry] });
const started = new WeakMap<object, number>();

tracingChannel<object, CacheTraceContext>(TRACING_CHANNELS.get).subscribe({
  start() {},
  end() {},
  asyncStart() {},
  asyncEnd(context) {
    if (context.outcome !== undefined) reads.inc({ cache: context.cache, namespace: context.namespace ?? '', outcome: context.outcome });
  },
  error() {},
});
tracingChannel<object, CacheTraceContext>(TRACING_CHANNELS.load).subscribe({
  start(context) {
    started.set(context, performance.now());
  },
  end() {},
  asyncStart() {},
  asyncEnd(context) {
    const begin = started.get(context);
    if (begin !== undefined) loads.observe({ cache: context.cache, namespace: context.namespace ?? '' }, (performance.now() - begin) / 1000);
  },
  error() {},
});

const cache = registerCache(createCache({ name: 'products' }));
// The cache's own counters, read when Prometheus scrapes.
new Gauge({
  name: 'cacheflight_loads',
  help: 'loader runs since start',
  labelNames: ['cache'],
  registers: [registry],
  collect() {
    this.set({ cache: cache.name }, cache.stats().loads);
  },
});

class ProductService {
  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<{ id: number }> {
    return { id };
  }
}

const service = new ProductService();
await service.getProduct(1);
await service.getProduct(1);
await service.getProduct(1);
const text = await registry.metrics();
for (const line of text.split('\n')) {
  if (line.startsWith('cacheflight_reads_total{') || line.startsWith('cacheflight_loads{') || line.startsWith('cacheflight_load_seconds_count')) console.log(line);
}
