import { copyOwnMetadata } from './reflect-metadata.js';

/** Own properties a function keeps for itself: they describe the function object, not the method. */
const FUNCTION_OWN = new Set<PropertyKey>(['prototype', 'arguments', 'caller']);

/**
 * Make `wrapper` carry everything other decorators wrote on the method it replaces: every own
 * property of `original` (symbol-keyed, non-enumerable and accessors included, with their
 * descriptors; `name` and `length` too) and, when the application has loaded reflect-metadata,
 * every own metadata entry. Frameworks such as NestJS keep guards, interceptors, pipes and routes
 * there (`Reflect.defineMetadata(key, value, descriptor.value)`), so without this a decorator
 * placed below ours would be silently dropped. Values are shared, not cloned.
 *
 * This is a copy taken when the method is wrapped: decorators applied later (above ours) write on
 * the wrapper, which is what the class holds and what frameworks read; nothing is written back
 * to the original, which the class no longer exposes.
 */
export function inheritMethodIdentity(original: Function, wrapper: Function): void {
  for (const key of Reflect.ownKeys(original)) {
    if (FUNCTION_OWN.has(key)) continue;
    if (Object.getOwnPropertyDescriptor(wrapper, key)?.configurable === false) continue;
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(original, key) as PropertyDescriptor);
  }
  // An original without its own `name`/`length` inherits them; so does the wrapper then.
  for (const key of ['name', 'length']) if (!Object.hasOwn(original, key)) Reflect.deleteProperty(wrapper, key);
  copyOwnMetadata(original, wrapper);
}
