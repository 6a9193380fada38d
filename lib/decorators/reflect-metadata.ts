import { DecoratorTargetError } from '../core/errors.js';

/**
 * Interop with `reflect-metadata`, used only when the application has loaded it (cacheflight
 * never imports it): legacy decorators compiled with `emitDecoratorMetadata` tell the declared
 * return type, which lets a non-async method be rejected when the class is defined, and
 * frameworks that discover handlers through metadata (NestJS style) can find cache options;
 * and the metadata other decorators wrote on a method moves with it to our replacement.
 */
interface ReflectWithMetadata {
  getMetadata?(key: string, target: object, propertyKey: string | symbol): unknown;
  getOwnMetadata?(key: unknown, target: object, propertyKey?: string | symbol): unknown;
  getOwnMetadataKeys?(target: object, propertyKey?: string | symbol): unknown[];
  defineMetadata?(key: unknown, value: unknown, target: object, propertyKey?: string | symbol): void;
}

const reflect = Reflect as unknown as ReflectWithMetadata;

function legacyTarget(call: readonly unknown[]): { target: object; key: string | symbol } | undefined {
  const [target, key] = call;
  if (call.length !== 3 || (typeof key !== 'string' && typeof key !== 'symbol') || (typeof target !== 'object' && typeof target !== 'function') || target === null) return undefined;
  return { target, key };
}

/**
 * Legacy mode with metadata: a method whose declared return type is not `Promise` is an error.
 *
 * @throws DecoratorTargetError when `design:returntype` is known and is not `Promise`
 */
export function rejectNonPromiseReturn(decorator: string, call: readonly unknown[]): void {
  const site = legacyTarget(call);
  if (site === undefined || typeof reflect.getMetadata !== 'function') return;
  const returnType = reflect.getMetadata('design:returntype', site.target, site.key);
  if (returnType === undefined || returnType === Promise) return;
  const name = typeof returnType === 'function' ? returnType.name : String(returnType);
  throw new DecoratorTargetError(
    `@${decorator} needs a method that returns a Promise, but '${String(site.key)}' is declared to return ${name || 'a non-Promise'}. Make it async.`,
  );
}

/** Legacy mode with metadata: record the decorator's options under `key` on the method. */
export function publishMetadata(key: string, options: object, call: readonly unknown[]): void {
  const site = legacyTarget(call);
  if (site === undefined || typeof reflect.defineMetadata !== 'function') return;
  reflect.defineMetadata(key, options, site.target, site.key);
}

/**
 * With reflect-metadata loaded: copy every own metadata entry of `from` to `to`, those of the
 * object itself and those under each of its own property keys (reflect-metadata cannot list
 * other property keys). Values are shared, as frameworks may compare them by identity.
 */
export function copyOwnMetadata(from: object, to: object): void {
  const { getOwnMetadataKeys, getOwnMetadata, defineMetadata } = reflect;
  if (typeof getOwnMetadataKeys !== 'function' || typeof getOwnMetadata !== 'function' || typeof defineMetadata !== 'function') return;
  for (const propertyKey of [undefined, ...Reflect.ownKeys(from)]) {
    for (const key of getOwnMetadataKeys.call(reflect, from, propertyKey)) {
      defineMetadata.call(reflect, key, getOwnMetadata.call(reflect, key, from, propertyKey), to, propertyKey);
    }
  }
}
