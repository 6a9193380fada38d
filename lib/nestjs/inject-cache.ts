import { Inject } from '@nestjs/common';
import { InvalidOptionError } from '../core/errors.js';

const TOKEN_PREFIX = 'cacheflight:cache';

/**
 * The injection token of a cache of `CacheflightModule`: the default cache when `name` is
 * omitted. Strings, so that both builds of the package (ESM and CommonJS) agree on them.
 *
 * @example
 * const cache = app.get<Cache>(getCacheToken('sessions'));
 */
export function getCacheToken(name?: string): string {
  if (name === undefined) return TOKEN_PREFIX;
  if (typeof name !== 'string' || name.length === 0) throw new InvalidOptionError('A cache name must be a non-empty string, or omitted for the default cache.');
  return `${TOKEN_PREFIX}:${name}`;
}

/** Cache names asked for by `@InjectCache(name)`, per class that asked. */
const requestsByClass = new WeakMap<Function, Set<string>>();
/** Every name asked for by `@InjectCache(name)` so far: `forRoot` provides a token for each. */
const requestedNames = new Set<string>();

/**
 * Inject a cache of `CacheflightModule`: the default cache, or the named one. A name the
 * module does not declare fails when the application is created, with a
 * `NoCacheRegisteredError` that names the class (for a class defined before `forRoot` /
 * `forRootAsync` is called, as a module file that imports its providers has it; otherwise
 * Nest's own unresolved-dependency error says it).
 *
 * @example
 * constructor(@InjectCache() private readonly cache: Cache, @InjectCache('sessions') private readonly sessions: Cache) {}
 */
export function InjectCache(name?: string): PropertyDecorator & ParameterDecorator {
  const token = getCacheToken(name);
  const inject = Inject(token);
  return (target: object, propertyKey: string | symbol | undefined, index?: number): void => {
    if (name !== undefined) {
      requestedNames.add(name);
      const owner = typeof target === 'function' ? target : (target as { constructor: Function }).constructor;
      let names = requestsByClass.get(owner);
      if (names === undefined) requestsByClass.set(owner, (names = new Set()));
      names.add(name);
    }
    if (index === undefined) (inject as PropertyDecorator)(target, propertyKey as string | symbol);
    else (inject as ParameterDecorator)(target, propertyKey, index);
  };
}

/** @internal */
export function namesRequested(): readonly string[] {
  return [...requestedNames];
}

/**
 * The names `type` (or a class it extends) asks for with `@InjectCache(name)`.
 *
 * @internal
 */
export function namesRequestedBy(type: unknown): readonly string[] {
  const names: string[] = [];
  for (let current = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const own = requestsByClass.get(current);
    if (own !== undefined) names.push(...own);
  }
  return names;
}
