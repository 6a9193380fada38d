/**
 * The Lua scripts of the Redis store. A hit needs none (it is one MGET, checked on the client:
 * see `store.ts`); scripts do what must be atomic: writing an entry against the current
 * generation tokens, deleting and counting live entries, and dropping an entry found stale only
 * if it still is. Every script touches the keys of ONE shard (one hash slot on a Cluster), so it
 * runs atomically on one node.
 *
 * The stored value (the "envelope", see `envelope.ts`):
 *
 *     cf2:<expiresAt>:<prefix token>:<namespace token>:<n>:{<byte length>:<tag><tag token>:}*n<payload>
 *
 * A token is the value of a generation key when the entry was written (WRITE creates a missing
 * generation key with a fresh token). An entry is current only while every recorded token still
 * equals its generation key's value; deleting a generation key (invalidation) or losing it
 * (eviction, expiry) makes every entry written under it stale for good, because a new token is
 * never equal to an old one. Generation keys get a TTL at least as long as the entries that
 * depend on them (none for entries without expiry), so they do not pile up.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Lua script with its SHA1, run with EVALSHA and re-sent with EVAL after a NOSCRIPT. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** A {@link LuaScript} of `source`. */
export function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * The shape of a generation token (see `TokenSource` in `layout.ts`): 13 to 18 characters of
 * `[A-Za-z0-9_-]`. Any other value at a generation key was not written by a store.
 */
export const IS_TOKEN = `
local function is_token(t)
  local n = string.len(t)
  return n >= 13 and n <= 18 and string.find(t, '^[%w_%-]+$') ~= nil
end
`;

/** Parses an envelope; used by DELETE. `tok(k)` is the (memoized) value of generation key k. */
export const CHECK = `
local cache = {}
local function tok(k)
  local t = cache[k]
  if t == nil then
    -- pcall: a generation key of another type (someone else's hash...) reads as no token (stale)
    t = redis.pcall('GET', k)
    if type(t) ~= 'string' then t = false end
    cache[k] = t
  end
  return t
end
-- 1-based offset of the payload when the envelope is current, 0 when stale, -1 when not an envelope
local function check(v, allTok, nsKey, tagPrefix)
  if string.sub(v, 1, 4) ~= 'cf2:' then return -1 end
  local p = 5
  local e = string.find(v, ':', p, true)
  if not e then return -1 end
  p = e + 1
  e = string.find(v, ':', p, true)
  if not e then return -1 end
  local stale = string.sub(v, p, e - 1) ~= allTok
  p = e + 1
  e = string.find(v, ':', p, true)
  if not e then return -1 end
  if not stale and string.sub(v, p, e - 1) ~= tok(nsKey) then stale = true end
  p = e + 1
  e = string.find(v, ':', p, true)
  if not e then return -1 end
  local n = tonumber(string.sub(v, p, e - 1))
  if not n or n < 0 then return -1 end
  p = e + 1
  for _ = 1, n do
    e = string.find(v, ':', p, true)
    if not e then return -1 end
    local len = tonumber(string.sub(v, p, e - 1))
    if not len or len < 0 then return -1 end
    local tag = string.sub(v, e + 1, e + len)
    p = e + len + 1
    e = string.find(v, ':', p, true)
    if not e then return -1 end
    if not stale and string.sub(v, p, e - 1) ~= tok(tagPrefix .. tag) then stale = true end
    p = e + 1
  end
  if stale then return 0 end
  return p
end
`;

/**
 * DELETE: KEYS = [prefix gen, then per entry: entry, ns gen, lease]; ARGV = [tag key prefix].
 * Deletes every entry (whatever it holds) and its lease (a load of it in flight in any process:
 * that load's result is then not stored, see \`lease-scripts.ts\`), and answers how many were
 * current (live) entries.
 */
export const DELETE = script(`${CHECK}
local allTok = tok(KEYS[1])
local tagPrefix = ARGV[1]
local removed = 0
for i = 2, #KEYS, 3 do
  local key = KEYS[i]
  local v = redis.pcall('GET', key)
  if type(v) == 'string' and check(v, allTok, KEYS[i + 1], tagPrefix) > 0 then removed = removed + 1 end
  if v then redis.call('DEL', key) end
  redis.call('DEL', KEYS[i + 2])
end
return removed
`);

/**
 * EXPIRE: KEYS = [prefix gen, entry, ns gen]; ARGV = [tag key prefix, now (ms, writer's clock)].
 * Makes a current entry stale now: an entry with a stale or grace window gets \`now\` as its
 * expiry and a PX of its windows (when still fresh; one past its TTL stays as it is), one without
 * is deleted. Answers 1 when a current entry was there, else 0.
 */
export const EXPIRE = script(`${CHECK}
local v = redis.pcall('GET', KEYS[2])
if type(v) ~= 'string' or check(v, tok(KEYS[1]), KEYS[3], ARGV[1]) <= 0 then return 0 end
local e = string.find(v, ':', 5, true)
local field = string.sub(v, 5, e - 1)
local c = string.find(field, ',', 1, true)
local stale, grace = 0, 0
if c then
  local rest = string.sub(field, c + 1)
  local c2 = string.find(rest, ',', 1, true)
  local c3 = string.find(rest, ',', c2 + 1, true)
  stale = tonumber(string.sub(rest, 1, c2 - 1)) or 0
  grace = tonumber(string.sub(rest, c2 + 1, c3 - 1)) or 0
end
if stale + grace <= 0 then
  redis.call('DEL', KEYS[2])
  return 1
end
local expires = tonumber(string.sub(field, 1, (c or 0) - 1))
local now = tonumber(ARGV[2])
if expires ~= nil and expires <= now then return 1 end
local rewritten = 'cf2:' .. ARGV[2] .. string.sub(field, c) .. string.sub(v, e)
redis.call('SET', KEYS[2], rewritten, 'PX', string.format('%d', math.max(1, math.ceil(stale + grace))))
return 1
`);

/**
 * DROP_STALE: KEYS = entries found stale by a read; ARGV = their envelopes' headers (everything
 * before the payload). Deletes an entry only if it still starts with that header: its recorded
 * tokens are the stale ones, and a stale token never becomes current again, so an entry written
 * since (with current tokens) is never dropped. Answers how many were deleted.
 */
export const DROP_STALE = script(`
local dropped = 0
for i = 1, #KEYS do
  local head = ARGV[i]
  local v = redis.pcall('GETRANGE', KEYS[i], 0, string.len(head) - 1)
  if v == head then
    redis.call('DEL', KEYS[i])
    dropped = dropped + 1
  end
end
return dropped
`);

/**
 * Writes one entry (used by WRITE and FENCED_WRITE). The write's KEYS from \`ki\`: entry, namespace
 * generation, lease, then one tag generation per tag; its ARGV from \`ai\`: PX ('' = no expiry),
 * the expiry field, tag count n, n tag names, payload. KEYS[1] is the shard's prefix generation,
 * ARGV[1] the candidate token. The entry's lease (another process's load of the key in flight,
 * see \`lease-scripts.ts\`) is deleted: a put fences that load. Answers 1 when the key held a value
 * of another type, else 0, and the positions of the next write.
 */
export const WRITE_ENTRY = `${IS_TOKEN}
local cand = ARGV[1]
local function ensure(k, px, pxs)
  local t = redis.pcall('GET', k)
  -- Missing, of another type, or not a token this store writes (e.g. it holds a ':', which would
  -- break the envelope): replaced by a fresh token, which invalidates whatever recorded it.
  if type(t) ~= 'string' or not is_token(t) then
    if px then redis.call('SET', k, cand, 'PX', pxs) else redis.call('SET', k, cand) end
    return cand
  end
  if px then
    local left = redis.call('PTTL', k)
    if left >= 0 and left < px then redis.call('PEXPIRE', k, pxs) end
  else
    redis.call('PERSIST', k)
  end
  return t
end
local function write_entry(ki, ai)
  local pxs = ARGV[ai]
  local px = nil
  if pxs ~= '' then px = tonumber(pxs) end
  local n = tonumber(ARGV[ai + 2])
  local entry = KEYS[ki]
  local parts = { 'cf2:', ARGV[ai + 1], ':', ensure(KEYS[1], px, pxs), ':', ensure(KEYS[ki + 1], px, pxs), ':', tostring(n), ':' }
  for i = 1, n do
    local tag = ARGV[ai + 2 + i]
    parts[#parts + 1] = tostring(string.len(tag)) .. ':' .. tag .. ensure(KEYS[ki + 2 + i], px, pxs) .. ':'
  end
  parts[#parts + 1] = ARGV[ai + 3 + n]
  local kind = redis.call('TYPE', entry)['ok']
  local foreign = 0
  if kind ~= 'none' and kind ~= 'string' then foreign = 1 end
  local envelope = table.concat(parts)
  if px then
    redis.call('SET', entry, envelope, 'PX', pxs)
  else
    redis.call('SET', entry, envelope)
  end
  redis.call('DEL', KEYS[ki + 2])
  return foreign, ki + 3 + n, ai + 4 + n, envelope
end
`;

/**
 * WRITE: KEYS = [prefix gen, then per write: entry, ns gen, lease, tag gen...];
 * ARGV = [candidate token, then per write: PX ('' = no expiry), the expiry field (expiresAt, ''
 * = none, then the windows part when the entry has one: see \`envelope.ts\`), tag count
 * n, n tag names, payload]. Each entry is written with one \`SET key envelope [PX ms]\`.
 * Answers, per write, 1 when the key held a value of another type (another program's hash, list...,
 * which a read sees as absent) and 0 otherwise.
 */
export const WRITE = script(`${WRITE_ENTRY}
local ki, ai = 2, 2
local foreign = {}
while ai <= #ARGV do
  local f
  f, ki, ai = write_entry(ki, ai)
  foreign[#foreign + 1] = f
end
return foreign
`);

type Arg = string | Buffer | number;

/** Scripts sent in full on each client's current connection; forgotten when it reconnects. */
const sentOnConnection = new WeakMap<Redis | Cluster, Set<string>>();

function scriptsSent(client: Redis | Cluster): Set<string> {
  let sent = sentOnConnection.get(client);
  if (sent === undefined) {
    const fresh = new Set<string>();
    sentOnConnection.set(client, fresh);
    // The next connection may reach a restarted server whose script cache is empty.
    client.on('close', () => fresh.clear());
    sent = fresh;
  }
  return sent;
}

/**
 * Run a script. The first use on a connection sends the body (EVAL), which also caches it on the
 * server; later uses send only its SHA1 (EVALSHA). Were the first use an EVALSHA answered
 * NOSCRIPT, its EVAL retry would go out after commands issued meanwhile (a write overtaken by a
 * delete of the same key would resurrect the entry). NOSCRIPT can still come back after a
 * `SCRIPT FLUSH`, or from a Cluster node that restarted: then the call is retried with EVAL. On
 * a Cluster the call goes to the node of `keys[0]`; all keys must share its slot.
 *
 * @param buffers - answer bulk strings as Buffers (payloads are bytes)
 */
export async function runScript(
  client: Redis | Cluster,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly Arg[],
  buffers: boolean,
): Promise<unknown> {
  // evalshaBuffer/evalBuffer exist at run time (every ioredis command has a Buffer variant) but
  // not in ioredis' types; `call`/`callBuffer` would not do: they break under auto-pipelining.
  const commands = client as unknown as Record<'evalsha' | 'eval' | 'evalshaBuffer' | 'evalBuffer', (...args: Arg[]) => Promise<unknown>>;
  const params: Arg[] = [keys.length, ...keys, ...args];
  const sent = scriptsSent(client);
  if (!sent.has(lua.sha)) {
    sent.add(lua.sha);
    return await (buffers ? commands.evalBuffer(lua.source, ...params) : commands.eval(lua.source, ...params));
  }
  try {
    return await (buffers ? commands.evalshaBuffer(lua.sha, ...params) : commands.evalsha(lua.sha, ...params));
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await (buffers ? commands.evalBuffer(lua.source, ...params) : commands.eval(lua.source, ...params));
  }
}
