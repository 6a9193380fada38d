/**
 * The type of what `@Cacheable(...)`, `@CacheEvict(...)` and `@CachePut(...)` return: a method
 * decorator usable in both TypeScript decorator modes, accepted only on methods that return a
 * Promise (a decorated method always answers asynchronously).
 *
 * `Args` and `R` come from the options when their functions are annotated (e.g.
 * `key: (id: number) => ...`); the decorated method must then accept those arguments and
 * resolve to `R`. Unannotated, they accept any async method.
 */
export interface AsyncMethodDecorator<Args extends unknown[], R> {
  /** TC39 standard decorators (TypeScript >= 5.0 without `experimentalDecorators`). */
  <This, M extends (this: This, ...args: Args) => Promise<R>>(value: M, context: ClassMethodDecoratorContext<This, M>): M;
  /** Legacy decorators (`experimentalDecorators`: NestJS, TypeORM...). */
  <M extends (...args: Args) => Promise<R>>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<M>): TypedPropertyDescriptor<M>;
}

/**
 * `T`, but not a place TypeScript infers `T` from: argument types are inferred from functions
 * of the arguments (`key`, `tags`, `condition`), not from functions of the result, whose
 * argument list is usually left out. (TypeScript 5.4's `NoInfer`, spelled for 5.0.)
 */
export type NoInference<T> = [T][T extends unknown ? 0 : never];

/** Where a decorator uses a cache other than the default: the name given to `registerCache`. */
export interface CacheSelection {
  /** Name of a cache registered with `registerCache(cache, name)`; default: the default cache. */
  readonly cache?: string;
}
