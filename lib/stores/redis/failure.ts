/**
 * What a Redis failure means, in the store's own words: what failed (connection refused, host not
 * found, authentication, a database the server refuses, an ACL...) and what to check. The
 * client's own messages are often about its mechanics ("Reached the max retries per request
 * limit (which is 0)" only says that a command was dropped because the connection failed), so the
 * connection error seen last explains those.
 */

/** A failure explained: `what` happened, and what to `check`. */
export interface FailureExplanation {
  readonly what: string;
  readonly check: string;
}

/** The fields of a Node or ioredis error this reads. */
interface ErrorFields {
  readonly message: string;
  readonly code: string | undefined;
  readonly address: string | undefined;
  readonly port: number | undefined;
  readonly command: string | undefined;
}

function fieldsOf(error: unknown): ErrorFields {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const command = record['command'] as { name?: unknown } | undefined;
  return {
    message: error instanceof Error ? error.message : String(error),
    code: typeof record['code'] === 'string' ? record['code'] : undefined,
    address: typeof record['address'] === 'string' ? record['address'] : undefined,
    port: typeof record['port'] === 'number' ? record['port'] : undefined,
    command: typeof command?.name === 'string' ? command.name.toLowerCase() : undefined,
  };
}

/** The client dropped a command because its connection failed or closed (no reply will come). */
export function isConnectionDrop(error: unknown): boolean {
  const { message } = fieldsOf(error);
  return (
    /max retries per request limit/i.test(message) ||
    /^Connection is closed\.?$/i.test(message) ||
    /aborted due to connection close/i.test(message) ||
    /Stream isn't writeable/i.test(message) ||
    /enableOfflineQueue/i.test(message)
  );
}

/** Is it the server's refusal of a `SELECT` (an unknown database, or an ACL without SELECT)? */
export function isSelectRefusal(error: unknown): boolean {
  const { command, message } = fieldsOf(error);
  return command === 'select' || /DB index is out of range|invalid DB index/i.test(message);
}

/** The text for a database the server refused. */
export function explainRefusedDatabase(database: number, error: unknown): FailureExplanation {
  const { message } = fieldsOf(error);
  if (/NOPERM/i.test(message)) {
    return {
      what: `the server refused database ${database}: the Redis user may not run SELECT (${message})`,
      check: `the user's ACL (allow +select), or use database 0. Nothing is read from or written to another database`,
    };
  }
  return {
    what: `the server refused database ${database} (${message})`,
    check:
      `the database number in the URL (or the client's "db" option) against the server's "databases" setting ` +
      `(redis.conf; 16 by default, numbered 0 to 15; CONFIG GET databases). Nothing is read from or written to another database`,
  };
}

/** How ioredis reports that it asked every Sentinel and none answered (it starts over by itself). */
export const SENTINELS_UNREACHABLE = /^All sentinels are unreachable/;

/**
 * Explain a client or server error.
 *
 * @param error - what the client reported (redacted)
 * @param address - `host:port` the store connects to, when it knows it (not for a client it was given)
 * @param prefix - the store's key prefix (for ACL advice)
 */
export function explainFailure(error: unknown, address: string | undefined, prefix: string): FailureExplanation {
  const { message, code, address: errorHost, port } = fieldsOf(error);
  const where = errorHost !== undefined && port !== undefined ? `${errorHost}:${port}` : address;
  const at = where === undefined ? '' : ` ${where}`;
  const text = `${code ?? ''} ${message}`;
  if (SENTINELS_UNREACHABLE.test(message)) {
    return {
      what: `no Sentinel answered (${message})`,
      check: 'that the Sentinels are running and reachable from this host (the "sentinels" addresses), their password ("sentinelPassword"), and "masterName"',
    };
  }
  if (/ECONNREFUSED/.test(text)) {
    return { what: `connection refused by${at || ' the server'}`, check: `that Redis is running and listening at${at || ' the address given'} (host and port of the URL)` };
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return { what: `the host${errorHost === undefined ? '' : ` ${errorHost}`} was not found (${code ?? message})`, check: 'the host name in the URL and this machine\'s DNS' };
  }
  if (/ETIMEDOUT|connect timed? ?out/i.test(text)) {
    return { what: `connecting to${at || ' the server'} timed out`, check: 'that the address is reachable from this host (firewall, security group, VPN) and connectTimeoutMs' };
  }
  if (/ECONNRESET|EPIPE|socket hang up/i.test(text)) {
    return { what: `the connection to${at || ' the server'} was reset`, check: "the server's log (a restart, maxclients, a proxy or TLS mismatch closing connections); the store reconnects by itself" };
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH failed|Client sent AUTH/i.test(text)) {
    return { what: `authentication failed (${message})`, check: "the user and password in the URL (or the client's options) against the server's requirepass or ACL users" };
  }
  if (/NOPERM/.test(text)) {
    return {
      what: `the Redis user lacks a permission (${message})`,
      check:
        `its ACL: the store needs keys ~${prefix}:*, channels &${prefix}:* (tieredStore) and the commands EVAL, EVALSHA, MGET, DEL, PING, ` +
        `PUBLISH, SUBSCRIBE, INFO, CLIENT (SELECT outside database 0), and GET, SET, GETRANGE, TYPE, PTTL, PEXPIRE, PERSIST inside its scripts`,
    };
  }
  if (/^OOM/.test(message)) {
    return { what: `Redis is out of memory (${message})`, check: 'maxmemory, and a maxmemory-policy that evicts (allkeys-lru suits a cache)' };
  }
  if (/^READONLY/.test(message)) {
    return { what: `the server is a read-only replica (${message})`, check: 'that the URL (or Sentinel setup) points at the master' };
  }
  if (/^LOADING/.test(message)) {
    return { what: `Redis is loading its data set (${message})`, check: 'nothing: it answers once loaded; the calls run uncached meanwhile' };
  }
  if (/^(CLUSTERDOWN|MOVED|ASK|TRYAGAIN)/.test(message)) {
    return { what: `the Cluster is not serving this key (${message})`, check: 'CLUSTER INFO on the nodes (cluster_state:ok); the store retries by itself' };
  }
  return { what: message, check: "the server's log and the store's health() (details.lastError)" };
}
