import { fileURLToPath } from 'node:url';
import type { ClassOrigin } from '../keys/namespaces.js';

/**
 * Where a decorated class is being defined, read from the stack when its decorator runs: the
 * module file of the decoration, and whether the class is defined by the module's own top-level
 * code (which runs again only when the module is evaluated again: hot module replacement, or a
 * test re-importing it) rather than inside a function (a class factory or mixin, which may make
 * several live classes of one name from one file).
 *
 * Frames of cacheflight itself, of decorator helpers (tslib, @swc/helpers, @babel/runtime,
 * reflect-metadata, and the `__decorate...` helpers transpilers inline into the file) are
 * skipped. A stack that cannot be read gives `undefined`: the strict rule applies then.
 */
export function decorationOrigin(): ClassOrigin | undefined {
  const limit = Error.stackTraceLimit;
  let stack: string | undefined;
  try {
    Error.stackTraceLimit = 64;
    stack = new Error().stack;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').map(parseFrame).filter((frame): frame is Frame => frame !== undefined);
  const own = frames[0]?.file;
  if (own === undefined) return undefined;
  // This file is <root>/decorators/decoration-origin.(ts|js): every file under <root> is ours.
  const root = own.replace(/[/\\][^/\\]+[/\\][^/\\]+$/, '');
  let index = 0;
  while (index < frames.length && isSkipped(frames[index] as Frame, root)) index++;
  const site = frames[index];
  if (site === undefined || site.file === undefined) return undefined;
  // The class is the module's own if every frame of its file below the decoration is unnamed
  // (module code, the IIFE or static block transpilers wrap a class in), and what runs that
  // code is a module loader (or nothing).
  let next = index;
  while (next < frames.length && (frames[next] as Frame).file === site.file) {
    if (!isUnnamed((frames[next] as Frame).name)) return { file: site.file, topLevel: false };
    next++;
  }
  const caller = frames[next];
  return { file: site.file, topLevel: caller === undefined || isModuleLoader(caller) };
}

interface Frame {
  /** The function name, as the stack prints it (`Object.<anonymous>`, `make`...), if any. */
  readonly name: string | undefined;
  /** The module file (no line or column, no `?query`), or `undefined` for native frames. */
  readonly file: string | undefined;
  /** The location as printed, without line and column. */
  readonly location: string;
}

const FRAME = /^\s*at (?:async )?(?:(.+?) \((.+)\)|(.+))$/;
/** Decorator helpers that transpilers inline into the decorated file (tsc, esbuild, swc, babel, bun). */
const HELPER_NAME =
  /(?:^|\.)(?:__decorate\w*|__esDecorate|__runInitializers|__decoratorStart|__legacyDecorateClassTS|_ts_decorate|_?apply_?[dD]ecs\w*|_decorate|<static_initializer>)$/;
const HELPER_PACKAGE = /[/\\]node_modules[/\\](?:tslib|@swc[/\\]helpers|@babel[/\\]runtime\w*|reflect-metadata)[/\\]/;
/** What evaluates modules: Node's loaders, test runners' module registries, bundlers' runtimes. */
const LOADER_FILE = /^node:internal[/\\](?:modules|vm)|[/\\]node_modules[/\\](?:jest-runtime|vite-node|vitest|vite|@vitest[/\\]\w+|tsx|ts-node|pirates|@swc-node[/\\]\w+|esbuild-register|@babel[/\\]register)[/\\]/;
const LOADER_NAME = /(?:^|\.)(?:__webpack_require__|__require|Module\._compile)$/;

function parseFrame(line: string): Frame | undefined {
  const match = FRAME.exec(line);
  if (match === null) return undefined;
  const name = match[1];
  const location = (match[2] ?? match[3] ?? '').replace(/(?::\d+){1,2}$/, '');
  return { name, file: moduleFile(location), location };
}

/** The module file of a printed location: file URLs made paths, a `?query` (Vite's `?t=`) and a URL's `#hash` dropped. */
function moduleFile(location: string): string | undefined {
  if (location === '' || location === 'native' || location === '<anonymous>' || location.startsWith('eval at ') || location.startsWith('node:')) {
    return location.startsWith('node:') ? location : undefined;
  }
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
  const bare = isUrl ? location.replace(/[?#].*$/, '') : location.replace(/\?.*$/, '');
  if (bare.startsWith('file://')) {
    try {
      return fileURLToPath(bare);
    } catch {
      return bare;
    }
  }
  return bare;
}

function isSkipped(frame: Frame, root: string): boolean {
  const { file, name } = frame;
  if (file === undefined) return true;
  if (file.startsWith(root + '/') || file.startsWith(root + '\\')) return true;
  if (HELPER_PACKAGE.test(file)) return true;
  return name !== undefined && HELPER_NAME.test(name);
}

function isUnnamed(name: string | undefined): boolean {
  return name === undefined || name === '<anonymous>' || name === 'eval' || /^(?:Object|Module)\.<anonymous>$/.test(name) || name === '<static_initializer>';
}

function isModuleLoader(frame: Frame): boolean {
  return (frame.file !== undefined && LOADER_FILE.test(frame.file)) || (frame.name !== undefined && LOADER_NAME.test(frame.name));
}
