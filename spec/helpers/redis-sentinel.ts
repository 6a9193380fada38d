/**
 * A real Redis Sentinel group for the Sentinel specs: a master, one replica (`--replicaof`) and
 * three Sentinels (`redis-server <conf> --sentinel`, each with its own config file in a temp
 * dir), all on free loopback ports. Quorum 2, `down-after-milliseconds` 1000 and
 * `failover-timeout` 5000, so a killed master is replaced within a few seconds.
 *
 * Like the servers of `redis-server.ts`, every process is ALWAYS stopped: by the handle's
 * `stop()` (call it in an `after` hook), and as a last resort by the process 'exit' hook. The
 * machine's own Redis on 127.0.0.1:6379 is never touched. Missing binary: see
 * `requireRedisServer` (under `CI=true` a failure, never a skip).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  rawCommand,
  REDIS_HOST,
  type RedisServerHandle,
  requireRedisServer,
  spawnRegisteredServer,
  startRedisServer,
  waitForExit,
} from './redis-server.js';

/** The master group name the Sentinels monitor. */
export const SENTINEL_GROUP = 'cfmaster';

/** How {@link RedisSentinelGroup.failover} replaces the master. */
export type FailoverMethod = 'kill' | 'command';

/** A running group started by {@link startRedisSentinelGroup}. */
export interface RedisSentinelGroup {
  /** The master group name (`sentinel monitor <group> ...`). */
  readonly group: string;
  /** `{ host, port }` of every Sentinel: the shape of `redisStore({ sentinels })` and ioredis' `sentinels`. */
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  /** Port of the current master (changes with {@link failover}). */
  readonly masterPort: number;
  /** The two data servers; which one is master changes with {@link failover}. */
  readonly servers: readonly RedisServerHandle[];
  /**
   * Replace the master and wait until every Sentinel reports the promoted replica as master (and
   * it says `role:master`); answers its port. `'kill'` (default) SIGKILLs the master process (it
   * stays dead); `'command'` asks a Sentinel (`SENTINEL FAILOVER`), the old master becoming a
   * replica.
   */
  failover(method?: FailoverMethod, timeoutMs?: number): Promise<number>;
  /** Kill every process and remove the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `probe` every 50 ms until it answers `true`; throws `describe()` after `timeoutMs`. */
async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(await describe());
    await sleep(50);
  }
}

/** The `master0:` line of a Sentinel's `INFO sentinel`, e.g. `name=g,status=ok,address=127.0.0.1:1,slaves=1,sentinels=3`. */
async function sentinelView(port: number): Promise<Record<string, string>> {
  const info = await rawCommand(port, 'INFO sentinel', { timeoutMs: 1000 });
  const line = info.split('\r\n').find((l) => l.startsWith('master0:'));
  const view: Record<string, string> = {};
  for (const pair of (line ?? '').slice('master0:'.length).split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) view[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return view;
}

/** A field of `INFO replication` on a data server. */
async function replicationField(port: number, field: string): Promise<string | undefined> {
  const info = await rawCommand(port, 'INFO replication', { timeoutMs: 1000 });
  return new RegExp(`(?:^|\\r\\n)${field}:([^\\r]*)`).exec(info)?.[1];
}

interface SentinelProcess {
  readonly port: number;
  child: ChildProcess | undefined;
  forget: () => void;
}

async function startSentinel(dir: string, index: number, masterPort: number, group: string): Promise<SentinelProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${index}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        `bind ${REDIS_HOST}`,
        'daemonize no',
        `dir ${dir}`,
        'logfile ""',
        'loglevel warning',
        'sentinel resolve-hostnames no',
        `sentinel monitor ${group} ${REDIS_HOST} ${masterPort} 2`,
        `sentinel down-after-milliseconds ${group} 1000`,
        `sentinel failover-timeout ${group} 5000`,
        `sentinel parallel-syncs ${group} 1`,
        '',
      ].join('\n'),
    );
    const spawned = spawnRegisteredServer([conf, '--sentinel'], dir);
    const sentinel: SentinelProcess = { port, child: spawned.child, forget: spawned.forget };
    try {
      await waitUntil(
        async () => {
          if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) throw new Error('exited');
          return (await rawCommand(port, 'PING', { timeoutMs: 500 })) === '+PONG';
        },
        10_000,
        () => `Sentinel on port ${port} did not answer PING:\n${spawned.output()}`,
      );
      if (spawned.child.exitCode !== null) throw new Error(`Sentinel on port ${port} exited:\n${spawned.output()}`);
      return sentinel;
    } catch (error) {
      lastError = error;
      await stopSentinel(sentinel);
    }
  }
  throw lastError;
}

async function stopSentinel(sentinel: SentinelProcess): Promise<void> {
  const child = sentinel.child;
  sentinel.child = undefined;
  if (child === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await waitForExit(child, 3000);
  }
  sentinel.forget();
}

/**
 * Start a master, a replica and three Sentinels on free loopback ports; answers once the master
 * streams to the replica and every Sentinel sees the master, the replica and the two other
 * Sentinels (so a failover can be voted at once).
 */
export async function startRedisSentinelGroup(options: { group?: string } = {}): Promise<RedisSentinelGroup> {
  const group = options.group ?? SENTINEL_GROUP;
  const dir = mkdtempSync(join(tmpdir(), 'cacheflight-sentinel-'));
  const servers: RedisServerHandle[] = [];
  const sentinels: SentinelProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...sentinels.map(stopSentinel), ...servers.map((server) => server.stop())]);
    rmSync(dir, { recursive: true, force: true });
  };
  let masterPort: number;
  try {
    const master = await startRedisServer();
    servers.push(master);
    masterPort = master.port;
    const replica = await startRedisServer({ args: ['--replicaof', REDIS_HOST, String(master.port)] });
    servers.push(replica);
    await waitUntil(
      async () => (await replicationField(replica.port, 'master_link_status')) === 'up',
      20_000,
      async () => `the replica on port ${replica.port} never synced with the master on ${master.port}`,
    );
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(dir, i, master.port, group));
    await waitUntil(
      async () => {
        const views = await Promise.all(sentinels.map((sentinel) => sentinelView(sentinel.port)));
        return views.every(
          (view) => view['status'] === 'ok' && view['address'] === `${REDIS_HOST}:${master.port}` && view['slaves'] === '1' && view['sentinels'] === '3',
        );
      },
      30_000,
      async () => `the Sentinels never agreed on the group: ${JSON.stringify(await Promise.all(sentinels.map((s) => sentinelView(s.port).catch(String))))}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    group,
    sentinels: sentinels.map((sentinel) => ({ host: REDIS_HOST, port: sentinel.port })),
    get masterPort() {
      return masterPort;
    },
    servers,
    async failover(method: FailoverMethod = 'kill', timeoutMs = 60_000) {
      const old = masterPort;
      const next = servers.find((server) => server.port !== old && server.running);
      if (next === undefined) throw new Error('no replica left to promote');
      if (method === 'kill') {
        await servers.find((server) => server.port === old)?.kill();
      } else {
        const reply = await rawCommand((sentinels[0] as SentinelProcess).port, `SENTINEL FAILOVER ${group}`, { timeoutMs: 2000 });
        if (reply !== '+OK') throw new Error(`SENTINEL FAILOVER answered ${reply}`);
      }
      await waitUntil(
        async () => {
          const views = await Promise.all(sentinels.map((sentinel) => sentinelView(sentinel.port)));
          if (!views.every((view) => view['address'] === `${REDIS_HOST}:${next.port}`)) return false;
          return (await replicationField(next.port, 'role')) === 'master';
        },
        timeoutMs,
        async () =>
          `no failover from ${old} to ${next.port} within ${timeoutMs} ms: ${JSON.stringify(await Promise.all(sentinels.map((s) => sentinelView(s.port).catch(String))))}`,
      );
      masterPort = next.port;
      return next.port;
    },
    stop,
  };
}

/**
 * Register `before`/`after` hooks that start a Sentinel group for the enclosing `describe` and
 * always stop it. Read `group` inside tests and hooks (it is set by `before`).
 */
export function redisSentinelSuite(suite: string): { group: RedisSentinelGroup | undefined } {
  const state: { group: RedisSentinelGroup | undefined } = { group: undefined };
  before(async function () {
    this.timeout(90_000);
    requireRedisServer(this, suite);
    state.group = await startRedisSentinelGroup();
  });
  after(async function () {
    this.timeout(15_000);
    await state.group?.stop();
  });
  return state;
}
