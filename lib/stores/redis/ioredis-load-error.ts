/**
 * Why `ioredis` could not be loaded, told apart so that the message says what to do: not
 * installed (install it), broken by a bundler that copied it into the application (mark it
 * external), or installed but failing (reinstall it).
 */
import { builtinModules } from 'node:module';
import { MissingDependencyError } from '../../core/errors.js';

/** What bundlers' rewritten `require`s throw; Node's own loader never does. */
const BUNDLER_SYMPTOMS: readonly RegExp[] = [
  /Dynamic require of "[^"]+" is not supported/, // esbuild's ESM output
  /\brequire is not defined\b/, // ESM output that kept CommonJS requires (rollup, esbuild)
  /Could not dynamically require/, // @rollup/plugin-commonjs
  /webpackMissingModule|__webpack_require__/, // webpack
];

const BUILTINS = new Set(builtinModules);

/** The module a "Cannot find module/package 'x'" error names, if it is one. */
function missingModule(error: { code?: unknown; message: string }): string | undefined {
  if (error.code !== 'ERR_MODULE_NOT_FOUND' && error.code !== 'MODULE_NOT_FOUND') return undefined;
  return /Cannot find (?:module|package) '([^']+)'/.exec(error.message)?.[1] ?? '';
}

/** Node's loader always finds its built-ins: not finding one means a bundler rewrote the require. */
function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || BUILTINS.has(name);
}

/**
 * The error to throw when importing `ioredis` failed.
 *
 * @param error - what the import threw
 * @param specifier - what was imported (`'ioredis'`; tests import others)
 */
export function ioredisLoadError(error: unknown, specifier = 'ioredis'): MissingDependencyError {
  const failure = error instanceof Error ? (error as Error & { code?: unknown }) : new Error(String(error));
  const missing = missingModule(failure);
  if (missing === specifier || (missing === '' && failure.message.includes(specifier))) {
    return new MissingDependencyError(
      `redisStore needs the "ioredis" package, an optional peer dependency of cacheflight that is not installed: ` +
        `run npm install ioredis (version 5 or later).`,
      error,
    );
  }
  const symptom = `${failure.message}\n${failure.stack ?? ''}`;
  if ((missing !== undefined && isBuiltin(missing)) || BUNDLER_SYMPTOMS.some((pattern) => pattern.test(symptom))) {
    return new MissingDependencyError(
      `redisStore could not load "ioredis": a bundler copied it into this application and rewrote its requires, ` +
        `which now fail (${failure.message}). Mark "ioredis" external in the bundler ` +
        `(esbuild: --external:ioredis; webpack: externals: { ioredis: 'commonjs ioredis' }; rollup: external: ['ioredis']) ` +
        `and install it beside the bundle (npm install ioredis).`,
      error,
    );
  }
  return new MissingDependencyError(
    `redisStore could not load "ioredis": ${failure.message}. ` +
      `If this application is bundled, mark "ioredis" external in the bundler; otherwise reinstall it: npm install ioredis`,
    error,
  );
}
