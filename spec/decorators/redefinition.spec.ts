/**
 * A class defined again (a module evaluated twice: hot module replacement, `jest.resetModules`,
 * `vi.resetModules`) takes its namespace over; two different classes of one name still conflict,
 * in either load order, and so do classes of one name made by a function (factory, mixin).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Cacheable, NamespaceConflictError } from '../../lib/index.js';
import { decoratorMode } from '../helpers/decorator-mode.js';
import { thrown } from '../helpers/thrown.js';
import { useDefaultCache } from '../helpers/default-cache.js';

interface ReloadedModule {
  Reloaded: { new (): { read(id: number): Promise<string> }; config(): Promise<string> };
}

/** Evaluate `redefinition/reloaded.ts` once more: a new module instance, as a reload makes. */
async function evaluateReloaded(version: number): Promise<ReloadedModule> {
  return (await import(new URL(`./redefinition/reloaded.ts?v=${version}`, import.meta.url).href)) as ReloadedModule;
}

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Import the twin modules in `order` in a fresh process; answers each import's error code (or null). */
async function loadInOrder(order: readonly string[]): Promise<Array<string | null>> {
  const script = fileURLToPath(new URL('./redefinition/load-in-order.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...order.map((name) => `./${name}.ts`)], { cwd: root, env: process.env });
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { error: string | null; mode: string });
  for (const line of lines) expect(line.mode, 'the child process compiles with the same decorators').to.equal(decoratorMode);
  return lines.map((line) => line.error);
}

describe(`redefinition of a class (${decoratorMode} decorators)`, function () {
  this.timeout(30_000); // child processes start tsx
  const currentCache = useDefaultCache();

  it('lets a module evaluated again take its namespaces over, and keeps caching', async () => {
    const first = await evaluateReloaded(1);
    expect(await new first.Reloaded().read(1)).to.equal('read 1');
    expect(await first.Reloaded.config()).to.equal('config');

    for (const version of [2, 3]) {
      const again = await evaluateReloaded(version);
      expect(again.Reloaded).to.not.equal(first.Reloaded);
      const instance = new again.Reloaded(); // no NamespaceConflictError
      expect(await instance.read(1)).to.equal('read 1'); // the entry survives the reload
      expect(await instance.read(2)).to.equal('read 2');
      expect(await instance.read(2)).to.equal('read 2');
      expect(await again.Reloaded.config()).to.equal('config');
    }
    // misses: read(1), config(), then read(2) once; every other call was a hit.
    expect(currentCache().stats()).to.include({ misses: 3, hits: 7 });
  });

  it('lets a CommonJS module evaluated again (require.cache cleared, as jest.resetModules does) take its namespaces over', async () => {
    const require = createRequire(import.meta.url);
    const path = require.resolve('./redefinition/reloaded-commonjs.cts');
    type Reloaded = new () => { read(id: number): Promise<string> };
    const load = (): Reloaded => (require(path) as { ReloadedCommonJs: Reloaded }).ReloadedCommonJs;
    const First = load();
    expect(await new First().read(1)).to.equal('read 1');
    delete require.cache[path];
    const Second = load();
    expect(Second).to.not.equal(First);
    expect(await new Second().read(1)).to.equal('read 1');
    expect(currentCache().stats()).to.include({ misses: 1, hits: 1 });
  });

  for (const order of [
    ['twin-a', 'twin-b'],
    ['twin-b', 'twin-a'],
  ]) {
    it(`rejects two classes of one name from two files, loaded ${order.join(' then ')}`, async () => {
      expect(await loadInOrder(order)).to.deep.equal([null, 'E_NAMESPACE_CONFLICT']);
    });
  }

  it('rejects two classes of one name made by one mixin function', () => {
    function Repository<T>() {
      class CrudRepository {
        @Cacheable()
        async find(id: number): Promise<T | undefined> {
          void id;
          return undefined;
        }
      }
      return CrudRepository;
    }
    class Users extends Repository<string>() {}
    new Users();
    const error = thrown(() => {
      class Orders extends Repository<number>() {}
      new Orders();
    });
    expect(error).to.be.instanceOf(NamespaceConflictError);
    expect((error as Error).message).to.contain("'CrudRepository.find'").and.contain('by a function');
  });
});
