/**
 * The CommonJS twin of reloaded.ts: re-evaluated by deleting it from `require.cache`, as
 * `jest.resetModules` does.
 */
import { Cacheable } from '../../../lib/index.js';

export class ReloadedCommonJs {
  @Cacheable()
  async read(id: number): Promise<string> {
    return `read ${id}`;
  }
}
