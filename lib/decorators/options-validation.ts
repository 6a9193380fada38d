import { InvalidOptionError } from '../core/errors.js';
import { rejectUnknownOptions } from '../core/option-checks.js';
import { fixedTtl } from '../cache/load/policy.js';
import { validateNamespace } from '../keys/namespaces.js';

/** Reject a non-object, and option names a decorator does not know (a typo would be silently ignored). */
export function checkOptionNames(decorator: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(`@${decorator} takes an options object, e.g. @${decorator}({ ... }).`);
  }
  rejectUnknownOptions(`@${decorator}`, options, known);
}

/** `value` must be a function or absent. */
export function checkFunction(decorator: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidOptionError(`@${decorator} option '${name}' must be a function, not ${typeof value}.`);
  }
}

/** `value` must be a non-empty string or absent. */
export function checkString(decorator: string, name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new InvalidOptionError(`@${decorator} option '${name}' must be a non-empty string.`);
  }
}

/** `value` must be a boolean or absent. */
export function checkBoolean(decorator: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidOptionError(`@${decorator} option '${name}' must be true or false, not ${String(value)}.`);
  }
}

/** `tags` must be an array of non-empty strings, a function, or absent. */
export function checkTags(decorator: string, value: unknown): void {
  if (value === undefined || typeof value === 'function') return;
  if (!Array.isArray(value) || value.some((tag) => typeof tag !== 'string' || tag.length === 0)) {
    throw new InvalidOptionError(`@${decorator} option 'tags' must be an array of non-empty strings or a function of the arguments returning one.`);
  }
}

/** A namespace option: validated when given. */
export function checkNamespace(decorator: string, value: unknown): string | undefined {
  return value === undefined ? undefined : validateNamespace(value, `@${decorator}`);
}

/** A TTL option: a fixed duration is parsed now (so a bad one fails when the class is defined). */
export function checkTtl(decorator: string, value: unknown): number | undefined {
  return fixedTtl(value, `@${decorator} ttl`);
}
