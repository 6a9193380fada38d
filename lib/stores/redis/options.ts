/**
 * Options of `redisStore`: strict validation at creation (an `InvalidOptionError` naming the
 * option), Redis URL parsing (`redis://`, `rediss://` for TLS, user, password and database in the
 * URL) and redaction, so no message, name or health output ever prints a URL's password.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { isIP } from 'node:net';
import { InvalidOptionError } from '../../core/errors.js';
import type { IoredisClient } from './client.js';
import { describeValue, rejectUnknownOptions } from '../../core/option-checks.js';
import type { Serializer } from '../../serializers/serializer.js';
import { taggedJsonSerializer } from '../../serializers/tagged-json.js';

/** One Sentinel of a {@link RedisStoreOptions.sentinels} list. */
export interface RedisSentinelAddress {
  /** Host name or IP address of the Sentinel. */
  readonly host: string;
  /** Its port (Sentinels usually listen on 26379). */
  readonly port: number;
}

/**
 * Options of {@link redisStore}. Give exactly one of `url`, `nodes`, `sentinels` (with
 * `masterName`) or `client`.
 */
export interface RedisStoreOptions {
  /**
   * A standalone server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS.
   * The store creates and owns the client (and quits it on `close()`).
   */
  readonly url?: string | undefined;
  /**
   * Seed nodes of a Redis Cluster, as URLs (`redis://host:port`; `rediss://` for TLS; the
   * credentials of the first URL are used for every node). The store creates and owns the client.
   */
  readonly nodes?: readonly string[] | undefined;
  /**
   * The Sentinels watching the master to use (a few are enough: the others are learned from
   * them), with `masterName`. The store creates and owns an ioredis Sentinel client: it asks the
   * Sentinels for the current master, connects to it, and after a failover reconnects to the
   * master they promoted. Use `password`/`username`/`db`/`tls` for the master, and
   * `sentinelPassword`/`sentinelUsername` if the Sentinels themselves require AUTH.
   */
  readonly sentinels?: readonly RedisSentinelAddress[] | undefined;
  /**
   * With `sentinels`: the name of the master group the Sentinels monitor (`sentinel monitor
   * <masterName> ...` in sentinel.conf, e.g. `'mymaster'`). ioredis calls it `name`; here it is
   * `masterName` because `name` is already the store's display name for logs and health.
   */
  readonly masterName?: string | undefined;
  /** With `sentinels`: the password of the master and replicas (`requirepass` or an ACL user's). */
  readonly password?: string | undefined;
  /** With `sentinels`: the ACL user of the master and replicas (with `password`). */
  readonly username?: string | undefined;
  /** With `sentinels`: the database number (0 to 65535; default 0). A database the server refuses is an error, never database 0. */
  readonly db?: number | undefined;
  /** With `sentinels`: the password of the Sentinels themselves (their `requirepass`), if any. */
  readonly sentinelPassword?: string | undefined;
  /** With `sentinels`: the ACL user of the Sentinels (with `sentinelPassword`). */
  readonly sentinelUsername?: string | undefined;
  /**
   * An ioredis `Redis` (standalone or Sentinel) or `Cluster` your application made. The store does
   * not own it: `close()` leaves it open unless `closeClient: true`. Give it `enableOfflineQueue:
   * false` or a small `maxRetriesPerRequest` if you want commands not to wait in ioredis' own
   * queue during an outage (the store's own timeout bounds every operation either way). For a
   * Cluster, leave `enableAutoPipelining` off: ioredis then follows MOVED/ASK redirections
   * instead of handing them to the store as errors. Hits are plain `MGET`s: a client that sends
   * reads to replicas (Cluster `scaleReads`, a Sentinel replica) sees an invalidation only once
   * the replica has it (writes and invalidations always go to the master).
   */
  readonly client?: IoredisClient | undefined;
  /** Quit a `client` you gave on `close()`. Default `false`. */
  readonly closeClient?: boolean | undefined;
  /**
   * Prefix of every key this store writes (`prefix:namespace:key`). 1 to 128 printable characters,
   * none of `{`, `}`, `#` or whitespace. Default `'cacheflight'`. Stores sharing a prefix share
   * entries, so give each application its own.
   */
  readonly prefix?: string | undefined;
  /**
   * Bound of every operation, connecting included, in milliseconds: past it the operation rejects
   * with a `TimeoutError`. Default {@link DEFAULT_COMMAND_TIMEOUT_MS}.
   */
  readonly commandTimeoutMs?: number | undefined;
  /** Bound of one TCP connect attempt (for clients the store creates). Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number | undefined;
  /** Longest pause between two reconnect attempts (for clients the store creates). Default {@link DEFAULT_MAX_RECONNECT_DELAY_MS}. */
  readonly maxReconnectDelayMs?: number | undefined;
  /** Turns values into payloads and back. Default: tagged JSON (see `lib/serializers`). */
  readonly serializer?: Serializer | undefined;
  /** Name for logs and health output. Default derived from the address, e.g. `redis(127.0.0.1:6379/0)`. */
  readonly name?: string | undefined;
  /**
   * On a Cluster, how many hash-slot shards the entries spread over (1 to 1024, default
   * {@link DEFAULT_CLUSTER_SHARDS}). Namespace/tag invalidation costs one `DEL` per shard. Every
   * process sharing a prefix must use the same value.
   */
  readonly clusterShards?: number | undefined;
  /**
   * Extra TLS options (CA, client certificate...) for `rediss://` URLs. With `sentinels`, giving
   * it turns TLS on, with these options, for the master, the replicas and the Sentinels.
   */
  readonly tls?: TlsOptions | undefined;
}

/** Default bound of one operation. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 200;
/** Default bound of one connect attempt. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
/** Default longest pause between reconnect attempts. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 1_000;
/** Default number of Cluster shards. */
export const DEFAULT_CLUSTER_SHARDS = 16;
/** Default key prefix. */
export const DEFAULT_PREFIX = 'cacheflight';

/** Where a store-created client connects. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** What a `redis://` / `rediss://` URL says. */
export interface ParsedRedisUrl extends RedisAddress {
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
}

/** What the Sentinel options say (validated). */
export interface ResolvedSentinelTarget {
  readonly sentinels: readonly RedisSentinelAddress[];
  readonly masterName: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
  readonly db: number;
  /** TLS for the master, replicas and Sentinels (the `tls` option was given). */
  readonly tls: boolean;
}

/** How the store reaches Redis. */
export type RedisTarget =
  | { readonly kind: 'url'; readonly url: ParsedRedisUrl }
  | { readonly kind: 'nodes'; readonly nodes: readonly ParsedRedisUrl[] }
  | { readonly kind: 'sentinel'; readonly sentinel: ResolvedSentinelTarget }
  | { readonly kind: 'client'; readonly client: IoredisClient; readonly closeClient: boolean };

/** {@link RedisStoreOptions} validated, with defaults applied. */
export interface ResolvedRedisStoreOptions {
  readonly target: RedisTarget;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
  readonly serializer: Serializer;
  readonly name: string;
  readonly clusterShards: number;
  readonly tls: TlsOptions | undefined;
  /** Removes every secret (URL passwords) from a text. */
  readonly redact: (text: string) => string;
}

const KNOWN_OPTIONS: readonly string[] = [
  'url', 'nodes', 'sentinels', 'client', 'closeClient', 'prefix', 'commandTimeoutMs', 'connectTimeoutMs',
  'maxReconnectDelayMs', 'serializer', 'name', 'clusterShards', 'tls',
  'masterName', 'password', 'username', 'db', 'sentinelPassword', 'sentinelUsername',
];

/** Options that only apply with `sentinels` (the other sources carry them in the URL or the client). */
const SENTINEL_ONLY_OPTIONS = ['masterName', 'password', 'username', 'db', 'sentinelPassword', 'sentinelUsername'] as const;

/** The mask written in place of a password. */
export const REDACTED = '***';

/**
 * A URL with its password (and nothing else) replaced by `***`; for text that is not a URL, the
 * part between `://` and `@` is masked.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  const scheme = url.indexOf('://');
  if (at === -1 || scheme === -1 || at < scheme) return url;
  const userinfo = url.slice(scheme + 3, at);
  const colon = userinfo.indexOf(':');
  const user = colon === -1 ? '' : userinfo.slice(0, colon);
  // `redis://secret@host` (no colon) is a password-only form for several clients: mask it all.
  return `${url.slice(0, scheme + 3)}${colon === -1 ? REDACTED : `${user}:${REDACTED}`}${url.slice(at)}`;
}

/**
 * Parse a `redis://` or `rediss://` URL.
 *
 * @param url - the URL
 * @param option - the option name for error messages (e.g. `url`, `nodes[1]`)
 * @throws InvalidOptionError with the URL redacted
 */
export function parseRedisUrl(url: string, option = 'url'): ParsedRedisUrl {
  const shown = redactUrl(url);
  const bad = (why: string): InvalidOptionError =>
    new InvalidOptionError(
      `redisStore option "${option}" is ${JSON.stringify(shown)}: ${why}. Give a URL such as ` +
        `'redis://:password@127.0.0.1:6379/0' ('rediss://' for TLS).`,
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a valid URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw bad(`the scheme must be redis: or rediss:, not ${parsed.protocol}`);
  }
  let host = parsed.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw bad('the host is missing');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('the port must be 1 to 65535');
  const path = parsed.pathname;
  let db = 0;
  if (path !== '' && path !== '/') {
    const digits = path.slice(1);
    if (!/^\d{1,5}$/.test(digits)) throw bad(`the path must be a database number such as /0, not ${JSON.stringify(path)}`);
    db = Number(digits);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw bad('query parameters and fragments are not supported (give TLS settings with the "tls" option)');
  }
  const decode = (part: string): string | undefined => {
    if (part === '') return undefined;
    try {
      return decodeURIComponent(part);
    } catch {
      throw bad('the user or password is not valid percent-encoding');
    }
  };
  const username = decode(parsed.username);
  const password = decode(parsed.password);
  return { host, port, tls: parsed.protocol === 'rediss:', username, password, db };
}

/** `host:port` with IPv6 brackets. */
export function formatAddress(address: { host: string; port: number }): string {
  return `${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}`;
}

/** A function that masks every given secret (and its percent-encoded form) in a text. */
export function makeRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const masks = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret === '') continue;
    masks.add(secret);
    masks.add(encodeURIComponent(secret));
  }
  const sorted = [...masks].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const mask of sorted) out = out.split(mask).join(REDACTED);
    return out;
  };
}

function positive(given: Record<string, unknown>, option: string, fallback: number, max: number): number {
  const value = given[option] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new InvalidOptionError(
      `redisStore option "${option}" is ${describeValueRedacted(value)}; give a number of milliseconds > 0 and <= ${max}. The default is ${fallback}.`,
    );
  }
  return value;
}

/** Is it an ioredis client (Redis or Cluster)? Checked by shape, so two ioredis copies both work. */
function isIoredisClient(value: unknown): value is IoredisClient {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Record<string, unknown>;
  return (
    typeof client['isCluster'] === 'boolean' &&
    typeof client['status'] === 'string' &&
    typeof client['evalsha'] === 'function' &&
    typeof client['on'] === 'function'
  );
}

/**
 * Validate `redisStore` options and apply defaults.
 *
 * @throws InvalidOptionError naming the option, the value given (passwords masked) and what is accepted
 */
export function resolveRedisStoreOptions(options: unknown): ResolvedRedisStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      `redisStore options must be an object such as { url: 'redis://127.0.0.1:6379' } or { client }, not ${describeValueRedacted(options)}.`,
    );
  }
  const given = options as Record<string, unknown>;
  rejectUnknownOptions('redisStore', given, KNOWN_OPTIONS);
  const sources = (['url', 'nodes', 'sentinels', 'client'] as const).filter((key) => given[key] !== undefined);
  if (sources.length !== 1) {
    throw new InvalidOptionError(
      sources.length === 0
        ? `redisStore needs one of the options "url" (redis://host:port), "nodes" (Cluster seed URLs), "sentinels" ` +
            `(with "masterName") or "client" (an ioredis Redis or Cluster).`
        : `redisStore options ${sources.map((s) => `"${s}"`).join(' and ')} were all given; give exactly one of "url", "nodes", "sentinels" or "client".`,
    );
  }
  if (given['sentinels'] === undefined) {
    const misplaced = SENTINEL_ONLY_OPTIONS.find((key) => given[key] !== undefined);
    if (misplaced !== undefined) {
      throw new InvalidOptionError(
        `redisStore option "${misplaced}" only applies with "sentinels"; ` +
          (sources[0] === 'client'
            ? 'give it to the client you made instead.'
            : misplaced === 'masterName' || misplaced.startsWith('sentinel')
              ? `give "sentinels": [{ host, port }, ...] too, or remove it.`
              : `with "${sources[0] ?? 'url'}", give the user, password and database in the URL (redis://user:password@host:port/db).`),
      );
    }
  }

  let target: RedisTarget;
  const secrets: Array<string | undefined> = [];
  let derivedName: string;
  if (given['url'] !== undefined) {
    if (typeof given['url'] !== 'string') {
      throw new InvalidOptionError(`redisStore option "url" is ${describeValueRedacted(given['url'])}; give a string such as 'redis://127.0.0.1:6379/0'.`);
    }
    const url = parseRedisUrl(given['url']);
    secrets.push(url.password);
    target = { kind: 'url', url };
    derivedName = `${url.tls ? 'rediss' : 'redis'}(${formatAddress(url)}/${url.db})`;
  } else if (given['nodes'] !== undefined) {
    const nodes = given['nodes'];
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((node) => typeof node !== 'string')) {
      throw new InvalidOptionError(
        `redisStore option "nodes" is ${describeValueRedacted(nodes)}; give a non-empty array of Cluster seed URLs such as ['redis://10.0.0.1:6379'].`,
      );
    }
    const parsed = (nodes as string[]).map((node, i) => parseRedisUrl(node, `nodes[${i}]`));
    for (const node of parsed) secrets.push(node.password);
    if (parsed.some((node) => node.db !== 0)) {
      throw new InvalidOptionError(`redisStore option "nodes": a Redis Cluster has only database 0; remove the /db from the URLs.`);
    }
    if (parsed.some((node) => node.tls !== parsed[0]?.tls)) {
      throw new InvalidOptionError(`redisStore option "nodes": mix of redis:// and rediss:// URLs; use one scheme for every node.`);
    }
    target = { kind: 'nodes', nodes: parsed };
    derivedName = `${parsed[0]?.tls ? 'rediss' : 'redis'}-cluster(${parsed.map(formatAddress).join(',')})`;
  } else if (given['sentinels'] !== undefined) {
    const sentinel = resolveSentinelTarget(given);
    secrets.push(sentinel.password, sentinel.sentinelPassword);
    target = { kind: 'sentinel', sentinel };
    derivedName = `redis-sentinel(${sentinel.masterName}/${sentinel.db})`;
  } else {
    const client = given['client'];
    if (!isIoredisClient(client)) {
      throw new InvalidOptionError(
        `redisStore option "client" is ${describeValueRedacted(client)}; give an ioredis Redis or Cluster instance (new Redis(...) / new Cluster([...])).`,
      );
    }
    const closeClient = given['closeClient'] ?? false;
    if (typeof closeClient !== 'boolean') {
      throw new InvalidOptionError(`redisStore option "closeClient" is ${describeValueRedacted(closeClient)}; give true or false. The default is false.`);
    }
    target = { kind: 'client', client, closeClient };
    const clientOptions = (client as unknown as { options?: Record<string, unknown> }).options ?? {};
    secrets.push(asString(clientOptions['password']));
    const redisOptions = clientOptions['redisOptions'] as Record<string, unknown> | undefined;
    secrets.push(asString(redisOptions?.['password']));
    secrets.push(asString(clientOptions['sentinelPassword']));
    derivedName = clientName(client, clientOptions);
  }
  if (given['closeClient'] !== undefined && target.kind !== 'client') {
    throw new InvalidOptionError(`redisStore option "closeClient" only applies with "client"; a store made from a URL always owns (and closes) its client.`);
  }

  const prefix = given['prefix'] ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !/^[^\s{}#]{1,128}$/u.test(prefix)) {
    throw new InvalidOptionError(
      `redisStore option "prefix" is ${describeValueRedacted(prefix)}; give 1 to 128 characters without whitespace, '{', '}' or '#' ` +
        `(they are reserved for Cluster hash tags and the store's own keys), e.g. 'orders'. The default is '${DEFAULT_PREFIX}'.`,
    );
  }
  const commandTimeoutMs = positive(given, 'commandTimeoutMs', DEFAULT_COMMAND_TIMEOUT_MS, 60_000);
  const connectTimeoutMs = positive(given, 'connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS, 600_000);
  const maxReconnectDelayMs = positive(given, 'maxReconnectDelayMs', DEFAULT_MAX_RECONNECT_DELAY_MS, 600_000);
  const serializer = given['serializer'] ?? taggedJsonSerializer;
  if (
    typeof serializer !== 'object' ||
    serializer === null ||
    typeof (serializer as Serializer).encode !== 'function' ||
    typeof (serializer as Serializer).decode !== 'function'
  ) {
    throw new InvalidOptionError(
      `redisStore option "serializer" is ${describeValueRedacted(serializer)}; give an object with encode(value) => string | Buffer and decode(payload: Buffer) => value.`,
    );
  }
  const name = given['name'] ?? derivedName;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError(`redisStore option "name" is ${describeValueRedacted(name)}; give a non-empty string such as 'redis-orders'.`);
  }
  const clusterShards = given['clusterShards'] ?? DEFAULT_CLUSTER_SHARDS;
  if (typeof clusterShards !== 'number' || !Number.isInteger(clusterShards) || clusterShards < 1 || clusterShards > 1024) {
    throw new InvalidOptionError(
      `redisStore option "clusterShards" is ${describeValueRedacted(clusterShards)}; give an integer from 1 to 1024. The default is ${DEFAULT_CLUSTER_SHARDS}.`,
    );
  }
  const tls = given['tls'];
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
      throw new InvalidOptionError(`redisStore option "tls" is ${describeValueRedacted(tls)}; give Node TLS options such as { ca }.`);
    }
    const usesTls =
      (target.kind === 'url' && target.url.tls) || (target.kind === 'nodes' && target.nodes.some((node) => node.tls)) || target.kind === 'sentinel';
    if (!usesTls) {
      throw new InvalidOptionError(
        `redisStore option "tls" needs a rediss:// URL (TLS); the ${target.kind === 'client' ? 'client you gave has its own settings' : 'URL given is redis://'}.`,
      );
    }
  }
  const redact = makeRedactor(secrets);
  return {
    target,
    prefix,
    commandTimeoutMs,
    connectTimeoutMs,
    maxReconnectDelayMs,
    serializer: serializer as Serializer,
    name: redact(name),
    clusterShards,
    tls: tls as TlsOptions | undefined,
    redact,
  };
}

/** A string option that may be absent, for the Sentinel credentials. */
function optionalString(given: Record<string, unknown>, option: string, example: string): string | undefined {
  const value = given[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    // Never show the value: it may be a password given with the wrong type.
    const shown = typeof value === 'string' ? 'an empty string' : value === null ? 'null' : `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
    throw new InvalidOptionError(`redisStore option "${option}" is ${shown}; give a non-empty string such as ${example}, or leave it out.`);
  }
  return value;
}

/**
 * Validate the Sentinel options (`sentinels` given).
 *
 * @throws InvalidOptionError naming the option and what to give (passwords never shown)
 */
function resolveSentinelTarget(given: Record<string, unknown>): ResolvedSentinelTarget {
  const example = `[{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }]`;
  const list = given['sentinels'];
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidOptionError(`redisStore option "sentinels" is ${describeValueRedacted(list)}; give a non-empty array of Sentinel addresses such as ${example}.`);
  }
  const sentinels = list.map((entry: unknown, i): RedisSentinelAddress => {
    const option = `sentinels[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidOptionError(`redisStore option "${option}" is ${describeValueRedacted(entry)}; give an object { host, port } such as { host: '10.0.0.1', port: 26379 }.`);
    }
    const record = entry as Record<string, unknown>;
    const extra = Object.keys(record).find((key) => key !== 'host' && key !== 'port');
    if (extra !== undefined) {
      throw new InvalidOptionError(`redisStore option "${option}" has the unknown field "${extra}"; give only { host, port } (credentials go in "sentinelPassword", TLS in "tls").`);
    }
    const { host, port } = record;
    if (typeof host !== 'string' || !/^[^\s/@]{1,253}$/u.test(host)) {
      throw new InvalidOptionError(`redisStore option "${option}.host" is ${describeValueRedacted(host)}; give a host name or IP address such as '10.0.0.1' (no scheme, no port).`);
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidOptionError(`redisStore option "${option}.port" is ${describeValueRedacted(port)}; give the Sentinel's port, an integer from 1 to 65535 (usually 26379).`);
    }
    return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
  });
  const masterName = given['masterName'];
  if (masterName === undefined) {
    throw new InvalidOptionError(
      `redisStore option "sentinels" needs "masterName": the master group the Sentinels monitor ("sentinel monitor <masterName> ..." in sentinel.conf), e.g. masterName: 'mymaster'.`,
    );
  }
  if (typeof masterName !== 'string' || !/^[\x21-\x7e]{1,128}$/u.test(masterName)) {
    throw new InvalidOptionError(
      `redisStore option "masterName" is ${describeValueRedacted(masterName)}; give the master group name the Sentinels monitor, 1 to 128 printable characters without spaces, e.g. 'mymaster'.`,
    );
  }
  const db = given['db'] ?? 0;
  if (typeof db !== 'number' || !Number.isInteger(db) || db < 0 || db > 65535) {
    throw new InvalidOptionError(`redisStore option "db" is ${describeValueRedacted(db)}; give a database number, an integer from 0 to 65535. The default is 0.`);
  }
  return {
    sentinels,
    masterName,
    username: optionalString(given, 'username', `'app'`),
    password: optionalString(given, 'password', 'process.env.REDIS_PASSWORD'),
    sentinelUsername: optionalString(given, 'sentinelUsername', `'sentinel-user'`),
    sentinelPassword: optionalString(given, 'sentinelPassword', 'process.env.SENTINEL_PASSWORD'),
    db,
    tls: given['tls'] !== undefined,
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A log name for a client the application made. */
function clientName(client: IoredisClient, options: Record<string, unknown>): string {
  if (client.isCluster) {
    const seeds = ((client as unknown as { startupNodes?: unknown[] }).startupNodes ?? [])
      .map((node) => {
        if (typeof node === 'string') return redactUrl(node);
        if (typeof node === 'number') return `127.0.0.1:${node}`;
        const { host = '127.0.0.1', port = 6379 } = (node ?? {}) as { host?: string; port?: number };
        return formatAddress({ host, port });
      })
      .join(',');
    return `redis-cluster(${seeds})`;
  }
  const db = typeof options['db'] === 'number' ? options['db'] : 0;
  if (Array.isArray(options['sentinels']) && typeof options['name'] === 'string') {
    return `redis-sentinel(${options['name']}/${db})`;
  }
  const host = typeof options['host'] === 'string' ? options['host'] : '127.0.0.1';
  const port = typeof options['port'] === 'number' ? options['port'] : 6379;
  const scheme = options['tls'] ? 'rediss' : 'redis';
  return `${scheme}(${formatAddress({ host, port })}/${db})`;
}

/** {@link describeValue} with URL passwords masked. */
function describeValueRedacted(value: unknown): string {
  return describeValue(value, redactUrl);
}
