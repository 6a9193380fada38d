import * as metadata from 'reflect-metadata/no-conflict';

const API = [
  'decorate', 'metadata', 'defineMetadata', 'hasMetadata', 'hasOwnMetadata', 'getMetadata', 'getOwnMetadata',
  'getMetadataKeys', 'getOwnMetadataKeys', 'deleteMetadata',
] as const;

/** reflect-metadata's API, as an application that loads `reflect-metadata` sees it on `Reflect`. */
export const reflectMetadata = metadata;

/**
 * Install reflect-metadata's API on the global `Reflect` for the tests of the calling `describe`
 * block only: the rest of the suite runs as an application that never loads it (importing
 * `reflect-metadata` would install it for the whole process).
 */
export function useReflectMetadata(): void {
  let installed = false;
  before(() => {
    if (typeof (Reflect as { defineMetadata?: unknown }).defineMetadata === 'function') return;
    for (const name of API) Object.defineProperty(Reflect, name, { configurable: true, writable: true, value: metadata[name] });
    installed = true;
  });
  after(() => {
    if (!installed) return;
    for (const name of API) delete (Reflect as unknown as Record<string, unknown>)[name];
  });
}

/** Whether reflect-metadata's API is on the global `Reflect` now. */
export function reflectMetadataLoaded(): boolean {
  return typeof (Reflect as { defineMetadata?: unknown }).defineMetadata === 'function';
}
