/**
 * Spans and metrics for every cache operation, from cacheflight's diagnostics_channel tracing
 * (no instrumentation in the library: it publishes, OpenTelemetry subscribes).
 *
 *     npm run build && npx tsx examples/opentelemetry.ts
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { metrics, trace, type Span } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Cacheable, createCache, registerCache, TRACING_CHANNELS, type CacheTraceContext } from 'cacheflight';

// --- OpenTelemetry set-up (an application would export to its collector instead) -----------
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

// --- the bridge: one span per operation, a counter of read outcomes, a histogram of loads ----
const tracer = trace.getTracer('cacheflight-example');
const meter = metrics.getMeter('cacheflight-example');
const reads = meter.createCounter('cache.reads', { description: 'cache reads by outcome' });
const loadTime = meter.createHistogram('cache.load.duration', { unit: 'ms', description: 'loader run time' });
const open = new WeakMap<object, { span: Span; started: number }>();

for (const [kind, name] of Object.entries(TRACING_CHANNELS)) {
  tracingChannel<object, CacheTraceContext>(name).subscribe({
    start(context) {
      const span = tracer.startSpan(`cache.${kind}`, { attributes: { 'cache.name': context.cache, 'cache.operation': context.operation, 'cache.key': context.key ?? '' } });
      open.set(context, { span, started: performance.now() });
    },
    end() {},
    asyncStart() {},
    asyncEnd(context) {
      const held = open.get(context);
      if (held === undefined) return;
      if (context.outcome !== undefined) {
        held.span.setAttribute('cache.outcome', context.outcome);
        reads.add(1, { 'cache.name': context.cache, 'cache.namespace': context.namespace ?? '', 'cache.outcome': context.outcome });
      }
      if (context.tier !== undefined) held.span.setAttribute('cache.tier', context.tier);
      if (kind === 'load') loadTime.record(performance.now() - held.started, { 'cache.namespace': context.namespace ?? '' });
      held.span.end();
    },
    error(context) {
      open.get(context)?.span.recordException(context.error as Error);
    },
  });
}

// --- the application ---------------------------------------------------------------------------
registerCache(createCache({ name: 'products' }));

class ProductService {
  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<{ id: number; name: string }> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { id, name: `product ${id}` };
  }
}

const service = new ProductService();
await service.getProduct(1); // miss: a get span and a load span
await service.getProduct(1); // hit
await Promise.all([service.getProduct(2), service.getProduct(2)]); // a miss and a joined call

const finished = spans.getFinishedSpans();
console.log(`spans: ${finished.map((span) => `${span.name}(${String(span.attributes['cache.outcome'] ?? span.attributes['cache.operation'])})`).join(' ')}`);
await reader.forceFlush();
const points = metricExporter
  .getMetrics()
  .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
  .filter((metric) => metric.descriptor.name === 'cache.reads')
  .flatMap((metric) => metric.dataPoints.map((point) => `${String(point.attributes['cache.outcome'])}=${String(point.value)}`))
  .sort();
console.log(`cache.reads: ${points.join(' ')}`);
await reader.shutdown();
