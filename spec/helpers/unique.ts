let counter = 0;

/**
 * A namespace no other test uses. Classes defined inside tests run their decorators on every
 * definition, and each definition is a different class: giving them unique namespaces keeps the
 * namespace-conflict detection from (rightly) rejecting the second definition.
 */
export function uniqueNamespace(base = 'spec'): string {
  return `${base}-${process.pid}-${++counter}`;
}
