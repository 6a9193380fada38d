/**
 * The Lua scripts of load coordination across processes (see `coordinator.ts`): a lease per
 * entry that one process holds while it loads the entry, and the fenced write that stores the
 * load's result only if nothing superseded it meanwhile.
 *
 * A lease is `prefix::lease:<key>` holding `<token>:<start>`, set with `NX PX` (one holder), where
 * `start` is the server's clock (`TIME`, ms) when it was taken. It is superseded:
 * - by a delete or put of its entry, in any process: the DELETE and WRITE scripts delete the lease;
 * - by an invalidation of its namespace, of one of the write's tags or of the whole prefix: those
 *   are logged, with the server's time, in the shard's invalidation log (a list, newest first,
 *   bounded), and the fenced write looks for one logged at or after `start`;
 * - by its expiry (a holder that died, or lost Redis for longer than the lease).
 * Every key a script touches is in the entry's shard: one hash slot on a Cluster, one node's clock.
 */
import { CHECK, script, WRITE_ENTRY } from './scripts.js';

/** Most invalidations an invalidation log keeps; a lease older than its oldest is fenced. */
export const INVALIDATION_LOG_LENGTH = 1000;

/** Server time in whole ms. */
const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * CLAIM: KEYS = [prefix gen, entry, ns gen, lease, waiting mark]; ARGV = [tag key prefix, client
 * now (ms), lease token, lease ms, '1' to lead even over a fresh entry (forceFresh)].
 * Answers `{0}` when a current entry is fresh (no lease taken: read it), `{1, start}` when the
 * lease was taken (`start`: server ms, part of the lease value), `{2, pttl}` when another holds it
 * (and marks the key as waited for, for a lease's time: the holder's write then carries the value).
 */
export const CLAIM = script(`${CHECK}${NOW_MS}
if ARGV[5] ~= '1' then
  local v = redis.pcall('GET', KEYS[2])
  if type(v) == 'string' and check(v, tok(KEYS[1]), KEYS[3], ARGV[1]) > 0 then
    local e = string.find(v, ':', 5, true)
    local field = string.sub(v, 5, e - 1)
    local c = string.find(field, ',', 1, true)
    local expires = field
    if c then expires = string.sub(field, 1, c - 1) end
    if expires == '' or tonumber(expires) > tonumber(ARGV[2]) then return {0} end
  end
end
local start = now_ms()
if redis.call('SET', KEYS[4], ARGV[3] .. ':' .. start, 'NX', 'PX', ARGV[4]) then return {1, start} end
redis.call('SET', KEYS[5], '1', 'PX', ARGV[4])
return {2, redis.call('PTTL', KEYS[4])}
`);

/** EXTEND: KEYS = [lease]; ARGV = [lease value, lease ms]. Answers 1 while the lease is held, else 0. */
export const EXTEND = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * RELEASE: KEYS = [lease]; ARGV = [lease value, channel, notice]. Deletes the lease if still held
 * (compare and delete) and announces it, so that waiting processes try again at once.
 */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`);

/**
 * INVALIDATE: KEYS = [shard's invalidation log, then generation keys]; ARGV = [one log item
 * name per generation key: 'a' (prefix), 'n<namespace>' or 't<tag>']. Deletes each generation key
 * (every entry written under it is stale for good) and logs the invalidation with the server's
 * time, so that a fenced write of a load that started before it stores nothing.
 */
export const INVALIDATE = script(`${NOW_MS}
local now = now_ms()
for i = 2, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('LPUSH', KEYS[1], now .. ' ' .. ARGV[i - 1])
end
redis.call('LTRIM', KEYS[1], 0, ${INVALIDATION_LOG_LENGTH - 1})
return 1
`);

/**
 * FENCED_WRITE: KEYS = [prefix gen, entry, ns gen, lease, tag gen..., invalidation log, waiting
 * mark]; ARGV = [candidate token, lease value, lease start (server ms), channel, notice, then the
 * write as WRITE takes it (PX, expiry field, n, n tags, payload), then the namespace, the value
 * channel and the largest envelope it carries (bytes)].
 * Writes the entry only while the lease is held and no invalidation of its namespace, of one of
 * its tags or of the prefix was logged since the lease's start (a log trimmed past the start
 * fences too); either way the lease is deleted and announced on the flight channel. When a
 * process waits for the key (its claim left the mark) and the entry was written and is small
 * enough, the entry itself goes first on the value channel (`<key bytes>:<key><envelope>`).
 * Answers 1 when written, else 0.
 */
export const FENCED_WRITE = script(`${WRITE_ENTRY}
if redis.call('GET', KEYS[4]) ~= ARGV[2] then return 0 end
local start = tonumber(ARGV[3])
local n = tonumber(ARGV[8])
local ns = 'n' .. ARGV[10 + n]
local tags = {}
for i = 1, n do tags['t' .. ARGV[8 + i]] = true end
local log = KEYS[#KEYS - 1]
local fenced = false
local at = 0
while not fenced do
  local items = redis.call('LRANGE', log, at, at + 99)
  if #items == 0 then break end
  local older = false
  for _, item in ipairs(items) do
    local sp = string.find(item, ' ', 1, true)
    if not sp or tonumber(string.sub(item, 1, sp - 1)) < start then
      older = true
      break
    end
    local name = string.sub(item, sp + 1)
    if name == 'a' or name == ns or tags[name] then
      fenced = true
      break
    end
  end
  if older then break end
  at = at + #items
  -- Every item kept is newer than the lease: older ones may have been trimmed.
  if at >= ${INVALIDATION_LOG_LENGTH} then fenced = true end
end
local written = 0
local envelope = nil
if not fenced then
  local _f, _k, _a
  _f, _k, _a, envelope = write_entry(2, 6)
  written = 1
end
redis.call('DEL', KEYS[4])
if redis.call('DEL', KEYS[#KEYS]) == 1 and envelope and string.len(envelope) <= tonumber(ARGV[12 + n]) then
  redis.call('PUBLISH', ARGV[11 + n], string.len(ARGV[5]) .. ':' .. ARGV[5] .. envelope)
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return written
`);
