import { InvalidOptionError } from '../core/errors.js';
import type { LoadPolicy } from '../cache/load/policy.js';
import { cacheFor } from '../cache/registry.js';
import type { Duration } from '../core/durations.js';
import type { CacheableDefinition } from './cacheable-definition.js';
import { decorateMethod } from './method-site.js';
import { checkFunction, checkOptionNames, checkString, checkTags, checkTtl } from './options-validation.js';
import { publishMetadata, rejectNonPromiseReturn } from './reflect-metadata.js';
import { TargetEntry, WriterSite, type TargetOptions } from './target-entry.js';
import type { AsyncMethodDecorator, CacheSelection, NoInference } from './types.js';

/** Options of {@link CachePut}. `Args` and `R` are the decorated method's arguments and result; `Method` the name given as `method`. */
export interface CachePutOptions<Args extends unknown[] = never[], R = unknown, Method extends string = string> extends TargetOptions<Args, Method>, CacheSelection {
  /** TTL of the stored entry. Default: the target method's `ttl` (or the cache's, with `namespace`). */
  readonly ttl?: Duration | ((result: R) => Duration);
  /** Tags of the stored entry (a function may answer a Promise). Default: the target method's tags. */
  readonly tags?: readonly string[] | ((result: R) => readonly string[] | Promise<readonly string[]>);
  /** Put only when this answers true for the call's arguments (the method runs either way). */
  readonly condition?: (...args: Args) => boolean;
  /** Do not put when this answers true (or a Promise of true) for the result. */
  readonly unless?: (result: R, ...args: NoInference<Args>) => boolean | Promise<boolean>;
  /**
   * The target method's arguments from the result (and this method's arguments), instead of
   * `args`: a `create` method puts the entity it created under its new id, e.g.
   * `resultArgs: (created: Product) => [created.id]`. Needs `method`.
   */
  readonly resultArgs?: (result: R, ...args: NoInference<Args>) => readonly unknown[];
}

const OPTION_NAMES = ['method', 'args', 'key', 'namespace', 'ttl', 'tags', 'cache', 'condition', 'unless', 'resultArgs'] as const;

/**
 * Run the method and store its result as the entry another `@Cacheable` method reads, so the
 * next read is a hit with fresh data. A load of that key in flight will not overwrite it.
 *
 * @example
 * @CachePut({ method: 'getProduct', args: (p: Product) => [p.id] })
 * async saveProduct(p: Product): Promise<Product> { ... }
 */
export function CachePut<Args extends unknown[] = never[], R = unknown, Method extends string = string>(
  options: CachePutOptions<Args, R, Method>,
): AsyncMethodDecorator<Args, R, Method> {
  checkOptionNames('CachePut', options, OPTION_NAMES);
  checkString('CachePut', 'cache', options.cache);
  checkTags('CachePut', options.tags);
  const ttlMs = checkTtl('CachePut', options.ttl);
  const target = new TargetEntry('CachePut', options as TargetOptions<never[]>);
  if (!target.hasTarget) throw new InvalidOptionError("@CachePut needs 'method' (a @Cacheable method of this class) or 'namespace' with 'key'.");
  if (options.namespace !== undefined && options.key === undefined) throw new InvalidOptionError("@CachePut with 'namespace' needs 'key'.");
  for (const name of ['condition', 'unless', 'resultArgs'] as const) checkFunction('CachePut', name, options[name]);
  const resultArgs = options.resultArgs as ((result: unknown, ...args: unknown[]) => readonly unknown[]) | undefined;
  if (resultArgs !== undefined && (options.method === undefined || options.args !== undefined || options.key !== undefined)) {
    throw new InvalidOptionError("@CachePut 'resultArgs' gives the target method's arguments from the result: it needs 'method', and takes no 'args' or 'key'.");
  }
  const { cache: cacheName, ttl, tags } = options;
  const condition = options.condition as ((...args: unknown[]) => boolean) | undefined;
  const unless = options.unless as ((result: unknown, ...args: unknown[]) => boolean | Promise<boolean>) | undefined;
  const ownPolicy: Partial<LoadPolicy> = {
    ttlMs,
    ttlOf: typeof ttl === 'function' ? (result) => ttl(result as R) : undefined,
    tagsOf: Array.isArray(tags) ? () => tags as readonly string[] : undefined,
    resultTagsOf: typeof tags === 'function' ? (result) => (tags as (r: R) => readonly string[] | Promise<readonly string[]>)(result as R) : undefined,
  };
  const overrides = ttl !== undefined || tags !== undefined;
  const policies = new WeakMap<CacheableDefinition, LoadPolicy>();
  const policyFor = (definition: CacheableDefinition | undefined, label: string): LoadPolicy => {
    if (definition === undefined) {
      return { label, unless: undefined, ttlMs: undefined, ttlOf: undefined, tagsOf: undefined, resultTagsOf: undefined, freshness: undefined, forceFresh: false, ...ownPolicy };
    }
    if (!overrides) return definition.policy;
    let policy = policies.get(definition);
    if (policy === undefined) {
      const base = definition.policy;
      policy = {
        ...base,
        ...(ttl === undefined ? {} : { ttlMs: ownPolicy.ttlMs, ttlOf: ownPolicy.ttlOf }),
        ...(tags === undefined ? {} : { tagsOf: ownPolicy.tagsOf, resultTagsOf: ownPolicy.resultTagsOf }),
      } as LoadPolicy;
      policies.set(definition, policy);
    }
    return policy;
  };

  return ((...call: unknown[]) =>
    decorateMethod('CachePut', call, (site) => {
      rejectNonPromiseReturn('CachePut', call);
      publishMetadata('cacheflight:cache-put', options, call);
      const original = site.original;
      const writer = new WriterSite(site, [target]);
      const wrapper = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
        // Before the method runs: a target that is not @Cacheable must fail before it writes.
        const definition = target.definition(this, writer.label);
        const result: unknown = await original.apply(this, args);
        if (condition !== undefined && !condition(...args)) return result;
        if (unless !== undefined && (await unless(result, ...args))) return result;
        const cache = cacheFor(this, cacheName);
        if (resultArgs !== undefined) {
          const targetArgs = resultArgs(result, ...args);
          return cache.put((definition as CacheableDefinition).keyFor(this, targetArgs), policyFor(definition, writer.label), result, targetArgs);
        }
        const key = target.keyFor(this, args, writer.label);
        return cache.put(key, policyFor(definition, writer.label), result, target.targetArgs(args));
      };
      return { wrapper, onInitialize: writer.onInitialize };
    })) as AsyncMethodDecorator<Args, R, Method>;
}
