/**
 * The type of what `@Cacheable(...)`, `@CacheEvict(...)` and `@CachePut(...)` return: a method
 * decorator usable in both TypeScript decorator modes, accepted only on methods that return a
 * Promise (a decorated method always answers asynchronously).
 *
 * `Args` and `R` come from the options when their functions are annotated (e.g.
 * `key: (id: number) => ...`); the decorated method must then accept those arguments (it may
 * take more: a function of the arguments may leave out the last ones, as `() => 'fixed'` does)
 * and resolve to `R`. Unannotated, they accept any async method. `Method` is the name given as
 * `method` to `@CacheEvict` / `@CachePut`: the decorated method's class (for a static method,
 * the class itself) must have a public method of that name.
 */
export interface AsyncMethodDecorator<Args extends unknown[], R, Method extends string = string> {
  /**
   * TC39 standard decorators (TypeScript >= 5.0 without `experimentalDecorators`).
   *
   * @typeParam M - the decorated method's type
   */
  <This extends WithMethod<Method>, M extends (this: This, ...args: LeadingArgs<Args>) => Promise<R>>(value: M, context: ClassMethodDecoratorContext<This, M>): M;
  /**
   * Legacy decorators (`experimentalDecorators`: NestJS, TypeORM...).
   *
   * @typeParam M - the decorated method's type
   */
  <Target extends WithMethod<Method>, M extends (...args: LeadingArgs<Args>) => Promise<R>>(
    target: Target,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M>;
}

/**
 * A method's arguments as seen by a function of its first arguments: `Args`, then anything
 * (compared as `never`, which fits every parameter type), so that a method taking more
 * arguments than the options' functions still fits while a differently typed one does not.
 */
export type LeadingArgs<Args extends unknown[]> = [...Args, ...never[]];

/**
 * What has a method named `Method`: the check behind a misspelt `@CacheEvict({ method })` being
 * a type error. A `method` of type `string` (not a literal) is not checked: the way to name a
 * method the type cannot see, such as a `private` one (`method: 'load' as string`).
 */
export type WithMethod<Method extends string> = string extends Method ? unknown : { readonly [Name in Method]: (...args: never) => Promise<unknown> };

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
