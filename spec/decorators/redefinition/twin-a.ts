/**
 * One of two modules (twin-a.ts, twin-b.ts) defining a different class of one name, `Twin`,
 * at top level: the two must never share the `Twin.read` namespace, whichever loads first.
 */
import { Cacheable } from '../../../lib/index.js';

export class Twin {
  @Cacheable()
  async read(id: number): Promise<string> {
    return `twin-a ${id}`;
  }
}
