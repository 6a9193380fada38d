import { DecoratorTargetError } from '../core/errors.js';
import { inheritDefinition } from './cacheable-definition.js';
import { inheritMethodIdentity } from './method-identity.js';

/** The method a decorator was applied to, whatever the decorator mode. */
export interface MethodSite {
  /** `standard` (TC39) or `legacy` (`experimentalDecorators`). */
  readonly mode: 'standard' | 'legacy';
  /** The method's name for messages and namespaces (`#name` for private methods). */
  readonly member: string;
  /** The property key the method is stored under (its name, or its symbol). */
  readonly propertyKey: string | symbol;
  /** Whether the method is static. */
  readonly isStatic: boolean;
  /** The method being decorated. */
  readonly original: Function;
  /** The class, when the decorator mode tells it at decoration time (legacy). */
  readonly owner: Function | undefined;
}

/** What a decorator builds for a site: the replacement method, and a hook for the owning class. */
export interface MethodReplacement {
  /** The function that replaces the method. */
  readonly wrapper: Function;
  /**
   * Standard mode only: called with each new instance (with the class, for static methods)
   * before first use, since only then is the owning class known.
   */
  readonly onInitialize?: (self: unknown) => void;
}

interface StandardContext {
  readonly kind: string;
  readonly name: string | symbol;
  readonly static: boolean;
  readonly private: boolean;
  addInitializer(initializer: (this: unknown) => void): void;
}

/**
 * Apply a method decorator under either decorator mode, detected from how it is called:
 * `(value, context)` for TC39 decorators, `(target, key, descriptor)` for legacy ones. Anything
 * but a method (getter, setter, field, accessor, class, parameter) is a `DecoratorTargetError`.
 * The replacement keeps the own properties and reflect-metadata of the method it replaces, so
 * other decorators' work survives whatever their order relative to ours.
 */
export function decorateMethod(decorator: string, call: readonly unknown[], build: (site: MethodSite) => MethodReplacement): unknown {
  const [first, second, third] = call;
  if (call.length === 2 && isStandardContext(second)) {
    if (second.kind !== 'method') throw notAMethod(decorator, memberName(second.name, second.private), second.kind);
    if (typeof first !== 'function') throw notAMethod(decorator, memberName(second.name, second.private), typeof first);
    const site: MethodSite = { mode: 'standard', member: memberName(second.name, second.private), propertyKey: second.name, isStatic: second.static, original: first, owner: undefined };
    const { wrapper, onInitialize } = build(site);
    inheritMethodIdentity(first, wrapper);
    inheritDefinition(wrapper, first);
    if (onInitialize !== undefined) second.addInitializer(function (this: unknown) { onInitialize(this); });
    return wrapper;
  }
  if ((typeof first === 'object' || typeof first === 'function') && first !== null && (typeof second === 'string' || typeof second === 'symbol')) {
    const member = memberName(second, false);
    if (typeof third === 'number') throw notAMethod(decorator, member, 'parameter');
    const descriptor = third as PropertyDescriptor | undefined;
    if (descriptor === undefined) throw notAMethod(decorator, member, 'field');
    if (descriptor.get !== undefined || descriptor.set !== undefined) throw notAMethod(decorator, member, descriptor.get ? 'getter' : 'setter');
    if (typeof descriptor.value !== 'function') throw notAMethod(decorator, member, typeof descriptor.value);
    const isStatic = typeof first === 'function';
    const owner = isStatic ? first : (first as { constructor: Function }).constructor;
    const site: MethodSite = { mode: 'legacy', member, propertyKey: second, isStatic, original: descriptor.value as Function, owner };
    const { wrapper } = build(site);
    inheritMethodIdentity(site.original, wrapper);
    inheritDefinition(wrapper, site.original);
    return { ...descriptor, value: wrapper };
  }
  if (call.length === 1 && typeof first === 'function') throw notAMethod(decorator, first.name || '(anonymous)', 'class');
  throw new DecoratorTargetError(`@${decorator} was applied to something that is not a class method; put it on an async method of a class.`);
}

function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && 'name' in value;
}

function memberName(name: string | symbol, isPrivate: boolean): string {
  if (typeof name === 'symbol') return `[${name.description ?? 'symbol'}]`;
  return isPrivate && !name.startsWith('#') ? `#${name}` : name;
}

function notAMethod(decorator: string, member: string, kind: string): DecoratorTargetError {
  return new DecoratorTargetError(
    `@${decorator} decorates methods only, but '${member}' is a ${kind}. Put it on an async method (one that returns a Promise).`,
  );
}
