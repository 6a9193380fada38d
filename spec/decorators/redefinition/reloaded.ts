/**
 * A module whose top-level code defines a decorated class. The redefinition spec evaluates it
 * several times (imports with different `?v=` queries), as hot module replacement and a test
 * runner's `resetModules` do.
 */
import { Cacheable } from '../../../lib/index.js';

export class Reloaded {
  @Cacheable()
  async read(id: number): Promise<string> {
    return `read ${id}`;
  }

  @Cacheable()
  static async config(): Promise<string> {
    return 'config';
  }
}
