import { randomBytes } from 'node:crypto';

/**
 * Process-unique identities for service instances, used when a method is cached per instance.
 * The random process token keeps two processes sharing a Redis store from mixing up their
 * instance 1s; give `perInstance` a function for an identity that is shared across processes.
 */
const PROCESS_TOKEN = randomBytes(6).toString('base64url');
const identities = new WeakMap<object, string>();
let nextId = 0;

/** The identity of `instance` in this process (stable for its lifetime, never reused). */
export function instanceIdentity(instance: object): string {
  let id = identities.get(instance);
  if (id === undefined) {
    id = `${PROCESS_TOKEN}.${++nextId}`;
    identities.set(instance, id);
  }
  return id;
}
