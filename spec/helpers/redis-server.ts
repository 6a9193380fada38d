/**
 * Real `redis-server` processes for the Redis specs: a single server, a server a test kills and
 * starts again on the same port, a server with a password, and a 3-master Cluster made with
 * `redis-cli --cluster create`. Every server listens on a free loopback port with a temp `--dir`,
 * no persistence, and is ALWAYS stopped: by the handle's `stop()` (call it in an `after` hook), and
 * as a last resort by a process 'exit' hook that SIGKILLs whatever is still registered.
 *
 * The machine's own Redis on 127.0.0.1:6379 is never touched: ports come from the OS (bind 0).
 *
 * Missing binary: under `CI=true` the `before` hook throws (a failure, never a skip); otherwise
 * the suite is skipped with a visible console warning. Use {@link redisSuite} in a `describe`.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Loopback address every helper server binds to. */
export const REDIS_HOST = '127.0.0.1';

/**
 * `commandTimeoutMs` for stores in tests that are not about timeouts. The default (200 ms)
 * bounds connecting too, and a fresh connection's first command on a loaded machine can take
 * longer than that; a test of something else must not fail with a TimeoutError then.
 */
export const UNHURRIED_MS = 5_000;

/** A running (or stopped) `redis-server` process started by {@link startRedisServer}. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:port` */
  readonly url: string;
  /** The temp `--dir` of the server. */
  readonly dir: string;
  /** `true` between a successful start/restart and stop/kill. */
  readonly running: boolean;
  /** Graceful stop (SIGTERM, then SIGKILL after 3 s). Idempotent; removes the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL, for outage tests; the port and dir are kept so {@link restart} can reuse them. */
  kill(): Promise<void>;
  /** Start again on the same port and dir (after kill/stop-less crash); waits for PING. */
  restart(): Promise<void>;
  /**
   * SIGSTOP: the server keeps its connections but answers nothing (a hung server) until
   * {@link resume}, for as long as the test needs (`CLIENT PAUSE` ends after a fixed time, and
   * its `CLIENT UNPAUSE` waits for that time too).
   */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
}

/** A 3-master (by default) Cluster started by {@link startRedisCluster}. */
export interface RedisClusterHandle {
  readonly nodes: readonly RedisServerHandle[];
  /** `redis://127.0.0.1:port` of every master. */
  readonly urls: readonly string[];
  /** `{ host, port }` of every master, the shape ioredis' `new Cluster(...)` takes. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  /** Stop every node. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Require this password (`--requirepass`). */
  readonly password?: string;
  /** Extra `redis-server` arguments, e.g. `['--enable-debug-command', 'yes']`. */
  readonly args?: readonly string[];
  /** How long to wait for the first PONG. Default 10 s. */
  readonly startTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// binary detection and the mocha guard

let binaryChecked: boolean | undefined;

/** `true` when `redis-server` (and `redis-cli`) can be run. */
export function redisServerAvailable(): boolean {
  if (binaryChecked === undefined) {
    const server = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
    const cli = spawnSync('redis-cli', ['--version'], { stdio: 'ignore' });
    binaryChecked = server.status === 0 && cli.status === 0;
  }
  return binaryChecked;
}

const warned = new Set<string>();

/**
 * Call first thing in a `before` hook (with mocha's `this`). Answers `true` when the suite can
 * run. When `redis-server` is missing: under `CI=true` it THROWS (the run fails); otherwise it
 * prints a warning and skips the suite (`this.skip()` throws mocha's pending marker).
 */
export function requireRedisServer(context: Mocha.Context, suite: string): true {
  if (redisServerAvailable()) return true;
  const message =
    `redis-server/redis-cli not found on PATH: "${suite}" needs a real Redis. ` +
    `Install it (Debian: apt-get install redis-server) — .ci/run does this in CI.`;
  if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
  if (!warned.has(suite)) {
    warned.add(suite);
    console.warn(`\n  ⚠ SKIPPED: ${message}\n`);
  }
  context.skip();
  return true;
}

// ---------------------------------------------------------------------------------------------
// ports and probes

/** A port nobody listens on right now (the OS picks it: bind 127.0.0.1:0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, REDIS_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Send one inline command on a fresh connection and answer the first reply line (e.g. `+PONG`,
 * `-NOAUTH ...`), or the whole bulk for `$` replies. Rejects on connection errors or after
 * `timeoutMs`.
 */
export function rawCommand(port: number, command: string, options: { password?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = '';
    let skipAuthReply = options.password !== undefined;
    const timer = setTimeout(() => finish(new Error(`no reply to "${command}" on port ${port}`)), options.timeoutMs ?? 1000);
    function finish(error: Error | undefined, reply?: string): void {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? '');
    }
    socket.once('error', (error) => finish(error));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        if (skipAuthReply) {
          skipAuthReply = false;
          buffer = buffer.slice(eol + 2);
          if (!line.startsWith('+OK')) return finish(undefined, line);
          continue;
        }
        if (line.startsWith('$')) {
          const length = Number(line.slice(1));
          if (length < 0) return finish(undefined, '');
          const body = Buffer.from(buffer.slice(eol + 2), 'utf8');
          if (body.length < length + 2) return;
          return finish(undefined, body.subarray(0, length).toString('utf8'));
        }
        return finish(undefined, line);
      }
    });
    socket.connect(port, REDIS_HOST, () => {
      if (options.password !== undefined) socket.write(`AUTH ${options.password}\r\n`);
      socket.write(`${command}\r\n`);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until the server on `port` answers PING (a `-NOAUTH`/`-LOADING` reply counts as up only for NOAUTH). */
async function waitForPing(port: number, timeoutMs: number, password?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const reply = await rawCommand(port, 'PING', password === undefined ? { timeoutMs: 500 } : { password, timeoutMs: 500 });
      if (reply === '+PONG') return;
      last = new Error(reply);
    } catch (error) {
      last = error;
    }
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${String(last)}`);
}

// ---------------------------------------------------------------------------------------------
// the registry and the last-resort exit hook

interface Registered {
  child: ChildProcess;
  dir: string;
}
const registry = new Set<Registered>();
let exitHookInstalled = false;

function register(entry: Registered): void {
  registry.add(entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const { child, dir } of registry) {
        try {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        } catch {
          // already gone
        }
        rmSync(dir, { recursive: true, force: true });
      }
      registry.clear();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// one server

function spawnServer(args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(String(error))));
  return { child, output: () => output };
}

/**
 * Spawn `redis-server args...` registered with the last-resort exit hook (with `dir` removed
 * then too), for helpers that start servers their own way (e.g. Sentinels with a config file).
 * `forget()` unregisters it once the caller stopped it.
 */
export function spawnRegisteredServer(args: readonly string[], dir: string): { child: ChildProcess; output: () => string; forget: () => void } {
  const spawned = spawnServer(args);
  const entry: Registered = { child: spawned.child, dir };
  register(entry);
  return { ...spawned, forget: () => registry.delete(entry) };
}

/** Resolves `true` once `child` exited, `false` after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Start a real `redis-server` on a free loopback port (retrying with another port if the one
 * picked was taken meanwhile) and wait until it answers PING.
 */
export async function startRedisServer(options: RedisServerOptions = {}, fixedPort?: number): Promise<RedisServerHandle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      return await startOn(port, options);
    } catch (error) {
      lastError = error;
      if (fixedPort !== undefined) break;
    }
  }
  throw lastError;
}

async function startOn(port: number, options: RedisServerOptions): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'cacheflight-redis-'));
  const args = [
    '--port', String(port),
    '--bind', REDIS_HOST,
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
    ...(options.password !== undefined ? ['--requirepass', options.password] : []),
    ...(options.args ?? []),
  ];
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let current: Registered | undefined;
  let stopped = false;
  let output: () => string = () => '';

  async function launch(): Promise<void> {
    const spawned = spawnServer(args);
    output = spawned.output;
    current = { child: spawned.child, dir };
    register(current);
    const child = spawned.child;
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`redis-server on port ${port} exited early (${code ?? signal}):\n${output()}`)),
      );
    });
    exited.catch(() => undefined);
    try {
      await Promise.race([waitForPing(port, startTimeoutMs, options.password), exited]);
    } catch (error) {
      child.kill('SIGKILL');
      await waitForExit(child, 2000);
      registry.delete(current);
      current = undefined;
      throw error;
    }
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const entry = current;
    current = undefined;
    if (!entry) return;
    if (entry.child.exitCode === null && entry.child.signalCode === null) {
      if (signal !== 'SIGKILL') entry.child.kill('SIGCONT'); // a paused server must run to exit
      entry.child.kill(signal);
      if (!(await waitForExit(entry.child, 3000))) {
        entry.child.kill('SIGKILL');
        await waitForExit(entry.child, 3000);
      }
    }
    registry.delete(entry);
  }

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    host: REDIS_HOST,
    port,
    url: `redis://${auth}${REDIS_HOST}:${port}`,
    dir,
    get running() {
      return current !== undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    pause() {
      if (!current) throw new Error(`redis-server on port ${port} is not running`);
      current.child.kill('SIGSTOP');
    },
    resume() {
      current?.child.kill('SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error(`redis-server on port ${port} was stopped; start a new one`);
      await terminate('SIGKILL');
      // The port was just released; retry briefly in case the kernel has not freed it yet.
      let lastError: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await launch();
          return;
        } catch (error) {
          lastError = error;
          await sleep(100);
        }
      }
      throw lastError;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the cluster

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Start `masters` (default 3) cluster-enabled servers and join them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`; answers once every node
 * reports `cluster_state:ok` and agrees that every slot is served.
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const nodes: RedisServerHandle[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const busPort = await freePort();
      nodes.push(
        await startRedisServer({
          args: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', '5000',
            '--cluster-port', String(busPort),
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => `${REDIS_HOST}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      60_000,
    );
    const deadline = Date.now() + 30_000;
    for (const node of nodes) {
      for (;;) {
        const info = await rawCommand(node.port, 'CLUSTER INFO').catch(() => '');
        if (info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} never reached cluster_state:ok:\n${info}`);
        await sleep(50);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes,
    urls: nodes.map((node) => node.url),
    startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
    stop: stopAll,
  };
}

// ---------------------------------------------------------------------------------------------
// mocha wiring

/** What {@link redisSuite} hands to the tests once `before` ran. */
export interface SingleRedis {
  /** URL of the server (REDIS_URL when set, else a server this suite started). */
  readonly url: string;
  /** A random key prefix for this run: use it so a shared REDIS_URL server is never polluted. */
  readonly prefix: string;
  /** The server handle when this suite started one (undefined under REDIS_URL). */
  readonly server: RedisServerHandle | undefined;
}

/** A random prefix unique to this test run. */
export function randomPrefix(base = 'cftest'): string {
  return `${base}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Register `before`/`after` hooks that provide a single Redis to the enclosing `describe`:
 * `REDIS_URL` when set (never flushed: use the random `prefix`), otherwise a fresh server that the
 * `after` hook stops. Read the answer's fields inside tests/hooks (they are set by `before`).
 */
export function redisSuite(suite: string, options: { ownServer?: boolean; server?: RedisServerOptions } = {}): SingleRedis {
  const state: { url: string; prefix: string; server: RedisServerHandle | undefined } = {
    url: '',
    prefix: randomPrefix(),
    server: undefined,
  };
  before(async function () {
    this.timeout(30_000);
    const external = process.env['REDIS_URL'];
    if (external && !options.ownServer && !options.server) {
      state.url = external;
      return;
    }
    requireRedisServer(this, suite);
    state.server = await startRedisServer(options.server);
    state.url = state.server.url;
  });
  after(async function () {
    this.timeout(15_000);
    await state.server?.stop();
  });
  return state;
}

/** Like {@link redisSuite} for a Cluster: starts one in `before`, stops it in `after`. */
export function redisClusterSuite(suite: string, options: { masters?: number } = {}): { cluster: RedisClusterHandle | undefined; prefix: string } {
  const state: { cluster: RedisClusterHandle | undefined; prefix: string } = { cluster: undefined, prefix: randomPrefix() };
  before(async function () {
    this.timeout(90_000);
    requireRedisServer(this, suite);
    state.cluster = await startRedisCluster(options);
  });
  after(async function () {
    this.timeout(15_000);
    await state.cluster?.stop();
  });
  return state;
}
