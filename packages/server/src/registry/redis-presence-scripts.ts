// Presence scripts (run on one Redis per datacenter). A scope `s` is `p:<escaped member id>` (a member's
// presence) or `t:<topic>` (a topic's members); its keys share the hash tag `{s}` (redis-keys.ts names
// them). The pending zset and a node's held set are one key each for every scope: the scripts derive
// the keys they touch, as the prune script does (see docs/operations.md on Redis Cluster).
// ARGV[1] is always the key prefix.

/** Helpers every presence script starts with; `leave` is shared by leave, release and the prune script. */
export const PRESENCE_LUA = `
local p = ARGV[1]
local function k(name, s) return p .. name .. ':{' .. s .. '}' end
local pending = p .. 'presence-pending'
local function remoteOnline(s)
  for _, v in ipairs(redis.call('HVALS', k('presence-remote', s))) do
    if string.sub(v, 1, 1) == '1' then return true end
  end
  return false
end
local function leave(held, node, s, m, now)
  local h = k('presence', s)
  if redis.call('HDEL', h, m .. '\\n' .. node) == 0 then return end
  redis.call('SREM', held, s .. '\\n' .. m)
  if redis.call('HINCRBY', h, m, -1) <= 0 then
    redis.call('HDEL', h, m)
    redis.call('ZADD', pending, now, s .. '\\n' .. m)
  end
end
local function release(node, now)
  local held = p .. 'presence-held:' .. node
  for _, entry in ipairs(redis.call('SMEMBERS', held)) do
    local nl = string.find(entry, '\\n', 1, true)
    leave(held, node, string.sub(entry, 1, nl - 1), string.sub(entry, nl + 1), now)
  end
  redis.call('DEL', held)
end
`

/**
 * ARGV: prefix, node, now, changesTtlMs, then (scope, member) pairs. A hash per scope holds
 * `<member>\\n<node>` = 1 per holding node and `<member>` = how many nodes hold it.
 * Answers per pair: 0 none, 1 joined, 2 absorbed (a pending leave cancelled), 3 joined here only.
 */
export const JOIN_SCRIPT = `${PRESENCE_LUA}
local node, now = ARGV[2], ARGV[3]
local held = p .. 'presence-held:' .. node
local out = {}
for i = 5, #ARGV, 2 do
  local s, m = ARGV[i], ARGV[i + 1]
  local h = k('presence', s)
  local code = 0
  if redis.call('HSETNX', h, m .. '\\n' .. node, '1') == 1 then
    redis.call('SADD', held, s .. '\\n' .. m)
    if redis.call('HINCRBY', h, m, 1) == 1 then
      if redis.call('ZREM', pending, s .. '\\n' .. m) == 1 then
        code = 2
      else
        redis.call('ZADD', k('presence-since', s), now, m)
        code = 1
        if string.sub(s, 1, 1) == 't' then
          local c = k('presence-changes', s)
          redis.call('HSET', c, m, 'j' .. now)
          redis.call('PEXPIRE', c, ARGV[4])
        elseif remoteOnline(s) then
          code = 3
        end
      end
    end
  end
  table.insert(out, code)
end
return out`

/** ARGV: prefix, node, now, then (scope, member) pairs. */
export const LEAVE_SCRIPT = `${PRESENCE_LUA}
local held = p .. 'presence-held:' .. ARGV[2]
for i = 4, #ARGV, 2 do leave(held, ARGV[2], ARGV[i], ARGV[i + 1], ARGV[3]) end
return 0`

/** ARGV: prefix, node, now. */
export const RELEASE_SCRIPT = `${PRESENCE_LUA}
release(ARGV[2], ARGV[3])
return 0`

/**
 * ARGV: prefix, cutoff, limit, seenTtlMs, changesTtlMs. Takes (atomically: each once) members pending
 * since at or before the cutoff; answers scope, member, left at, 1 (global change) or 0, for each.
 */
export const SWEEP_SCRIPT = `${PRESENCE_LUA}
local due = redis.call('ZRANGEBYSCORE', pending, '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i = 1, #due, 2 do
  local entry, left = due[i], due[i + 1]
  redis.call('ZREM', pending, entry)
  local nl = string.find(entry, '\\n', 1, true)
  local s, m = string.sub(entry, 1, nl - 1), string.sub(entry, nl + 1)
  if not redis.call('HGET', k('presence', s), m) then
    redis.call('ZREM', k('presence-since', s), m)
    local global = 1
    if string.sub(s, 1, 1) == 't' then
      local c = k('presence-changes', s)
      redis.call('HSET', c, m, 'l')
      redis.call('PEXPIRE', c, ARGV[5])
    else
      local seen = k('presence-seen', s)
      if tonumber(left) > tonumber(redis.call('GET', seen) or '0') then
        redis.call('SET', seen, left, 'PX', ARGV[4])
      end
      if remoteOnline(s) then global = 0 end
    end
    table.insert(out, s)
    table.insert(out, m)
    table.insert(out, left)
    table.insert(out, global)
  end
end
return out`

/**
 * ARGV: prefix, scope, windowMs, limit. Nil when there is nothing to publish, 0 while another node holds
 * the window; else count, 0 and the changes (member, 'j<since>' | 'l'), or count, 1 and the first members.
 */
export const DRAIN_SCRIPT = `${PRESENCE_LUA}
local s, limit = ARGV[2], tonumber(ARGV[4])
local c, z = k('presence-changes', s), k('presence-since', s)
local n = redis.call('HLEN', c)
if n == 0 then return false end
if not redis.call('SET', k('presence-claim', s), '1', 'PX', ARGV[3], 'NX') then return 0 end
local count = redis.call('ZCARD', z)
if n > limit then
  redis.call('DEL', c)
  if limit == 0 then return {count, 1, {}} end
  return {count, 1, redis.call('ZRANGE', z, 0, limit - 1, 'WITHSCORES')}
end
local changes = redis.call('HGETALL', c)
redis.call('DEL', c)
return {count, 0, changes}`

/**
 * ARGV: prefix, dc, seenTtlMs, then (scope, member, '1' online | '0' offline, since) per change. Keeps
 * each datacenter's state in a hash per member (`<0|1>:<since>`); a change older than the kept one is
 * ignored. Answers member, status, since for each change of the global state.
 */
export const REMOTE_SCRIPT = `${PRESENCE_LUA}
local dc = ARGV[2]
local out = {}
for i = 4, #ARGV, 4 do
  local s, m, st, since = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local r = k('presence-remote', s)
  local cur = redis.call('HGET', r, dc)
  local apply = true
  if cur then
    local csince = tonumber(string.sub(cur, 3))
    apply = tonumber(since) > csince or (tonumber(since) == csince and st == '0' and string.sub(cur, 1, 1) == '1')
  end
  if apply then
    local here = redis.call('ZSCORE', k('presence-since', s), m) ~= false
    local before = here or remoteOnline(s)
    redis.call('HSET', r, dc, st .. ':' .. since)
    local after = here or remoteOnline(s)
    local at = since
    if after then
      redis.call('PERSIST', r)
    else
      redis.call('PEXPIRE', r, ARGV[3])
      local seen = k('presence-seen', s)
      local previous = redis.call('GET', seen)
      if previous and tonumber(previous) > tonumber(since) then at = previous end
      redis.call('SET', seen, at, 'PX', ARGV[3])
    end
    if before ~= after then
      table.insert(out, m)
      table.insert(out, after and 'online' or 'offline')
      table.insert(out, at)
    end
  end
end
return out`
