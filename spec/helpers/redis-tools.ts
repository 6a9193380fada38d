/**
 * Small tools for the Redis specs: raw ioredis clients (closed by the caller), `INFO
 * commandstats` counters, prefix cleanup on a shared server, and a spy on process-level trouble
 * (unhandled rejections, "Unhandled error event" logs, warnings).
 */
import { Cluster, Redis } from 'ioredis';
import sinon from 'sinon';
import { rawCommand } from './redis-server.js';

/** A raw client for inspecting what the store wrote. */
export function rawRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => undefined);
  return client;
}

/** A raw Cluster client. */
export function rawCluster(nodes: ReadonlyArray<{ host: string; port: number }>): Cluster {
  const client = new Cluster([...nodes], { lazyConnect: false });
  client.on('error', () => undefined);
  return client;
}

/** `calls` of every command in `INFO commandstats` of the server on `port`. */
export async function commandStats(port: number, password?: string): Promise<Record<string, number>> {
  const info = await rawCommand(port, 'INFO commandstats', password === undefined ? {} : { password });
  const stats: Record<string, number> = {};
  for (const line of info.split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) stats[match[1] as string] = Number(match[2]);
  }
  return stats;
}

/** Sum of several servers' command stats. */
export async function clusterCommandStats(ports: readonly number[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const port of ports) {
    for (const [name, calls] of Object.entries(await commandStats(port))) total[name] = (total[name] ?? 0) + calls;
  }
  return total;
}

/** Delete every key under `prefix` (SCAN: test cleanup only, never used by the store). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = rawRedis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** What {@link watchProcessTrouble} saw. */
export interface ProcessTrouble {
  readonly unhandledRejections: unknown[];
  readonly errorLogs: string[];
  readonly warnings: string[];
  /** Stop watching (restores console.error). */
  restore(): void;
}

/**
 * Watch for unhandled rejections, `console.error` output (ioredis prints "[ioredis] Unhandled
 * error event" there when a client has no 'error' listener) and process warnings.
 */
export function watchProcessTrouble(): ProcessTrouble {
  const unhandledRejections: unknown[] = [];
  const errorLogs: string[] = [];
  const warnings: string[] = [];
  const onRejection = (reason: unknown): void => {
    unhandledRejections.push(reason);
  };
  const onWarning = (warning: Error): void => {
    warnings.push(`${warning.name}: ${warning.message}`);
  };
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  const stub = sinon.stub(console, 'error').callsFake((...args: unknown[]) => {
    errorLogs.push(args.map(String).join(' '));
  });
  return {
    unhandledRejections,
    errorLogs,
    warnings,
    restore() {
      process.off('unhandledRejection', onRejection);
      process.off('warning', onWarning);
      stub.restore();
    },
  };
}

/** Sleep. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
