/**
 * Run in a child process by the redefinition spec: imports the given modules in order, builds
 * one instance of each module's `Twin` (standard decorators claim namespaces then), and prints
 * one JSON line per module: `{ file, error }` with the error's code, or null.
 */
import { decoratorMode } from '../../helpers/decorator-mode.js';

for (const file of process.argv.slice(2)) {
  let error: string | null = null;
  try {
    const module = (await import(new URL(file, import.meta.url).href)) as { Twin: new () => unknown };
    new module.Twin();
  } catch (e) {
    error = (e as { code?: string }).code ?? String(e);
  }
  console.log(JSON.stringify({ file, error, mode: decoratorMode }));
}
