// Presence scripts (run on one Redis per datacenter). A scope `s` is `p:<escaped member id>` (a member's
// presence) or `t:<topic>` (a topic's members); its keys share the hash tag `{s}` (redis-keys.ts names
// them). The pending zset, the online index, the outbox and a node's held set are one key each for every
// scope: the scripts derive the keys they touch, as the prune script does (see docs/operations.md on
// Redis Cluster). ARGV[1] is always the key prefix.

/** Helpers every presence script starts with; `leave` is shared by leave, the release steps and the prune. */
export const PRESENCE_LUA = `
local p = ARGV[1]
local function k(name, s) return p .. name .. ':{' .. s .. '}' end
local pending = p .. 'presence-pending'
local online = p .. 'presence-online'
local outbox = p .. 'presence-unpublished'
local live = p .. 'presence-remote-live'
local function remoteOnline(s)
  for _, v in ipairs(redis.call('HVALS', k('presence-remote', s))) do
    if string.sub(v, 1, 1) == '1' then return true end
  end
  return false
end
-- a change to publish, kept until its publisher confirms it; any node publishes the state after replayAt
local function record(token, replayAt, kind, id)
  if token ~= '' then redis.call('ZADD', outbox, replayAt, token .. '\\n' .. kind .. '\\n' .. id) end
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
-- a node's holdings set aside whole, then left a bounded step at a time (RELEASE_STEP_SCRIPT)
local function beginRelease(node, now)
  local held = p .. 'presence-held:' .. node
  if redis.call('EXISTS', held) == 0 then return end
  local id = redis.call('INCR', p .. 'presence-release-seq')
  redis.call('RENAME', held, p .. 'presence-releasing:' .. id)
  redis.call('HSET', p .. 'presence-releases', id, now .. '\\n' .. node)
  redis.call('SADD', p .. 'presence-releasing-of:' .. node, id)
end
`

/**
 * ARGV: prefix, node, now, changesTtlMs, token, replayAt, then (scope, member) pairs. A hash per scope
 * holds `<member>\\n<node>` = 1 per holding node and `<member>` = how many nodes hold it. A scope still
 * in a release of this node (pruned, and back) is taken back from it: never left by that release.
 * Answers per pair: 0 none, 1 joined, 2 absorbed (a pending leave cancelled), 3 joined here only.
 */
export const JOIN_SCRIPT = `${PRESENCE_LUA}
local node, now, token, replayAt = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local held = p .. 'presence-held:' .. node
local releasing = redis.call('SMEMBERS', p .. 'presence-releasing-of:' .. node)
local out = {}
for i = 7, #ARGV, 2 do
  local s, m = ARGV[i], ARGV[i + 1]
  local h, entry = k('presence', s), s .. '\\n' .. m
  for _, id in ipairs(releasing) do redis.call('SREM', p .. 'presence-releasing:' .. id, entry) end
  local code = 0
  if redis.call('HSETNX', h, m .. '\\n' .. node, '1') == 1 and redis.call('HINCRBY', h, m, 1) == 1 then
    if redis.call('ZREM', pending, entry) == 1 then
      code = 2
    else
      redis.call('ZADD', k('presence-since', s), now, m)
      code = 1
      if string.sub(s, 1, 1) == 't' then
        local c = k('presence-changes', s)
        redis.call('HSET', c, m, 'j' .. now)
        redis.call('PEXPIRE', c, ARGV[4])
        record(token, replayAt, 't', string.sub(s, 3))
      else
        redis.call('ZADD', online, now, m)
        if remoteOnline(s) then code = 3 else record(token, replayAt, 'p', m) end
      end
    end
  end
  redis.call('SADD', held, entry)
  table.insert(out, code)
end
return out`

/** ARGV: prefix, node, now, then (scope, member) pairs. */
export const LEAVE_SCRIPT = `${PRESENCE_LUA}
local held = p .. 'presence-held:' .. ARGV[2]
for i = 4, #ARGV, 2 do leave(held, ARGV[2], ARGV[i], ARGV[i + 1], ARGV[3]) end
return 0`

/** ARGV: prefix, node, now. Sets the node's holdings aside; RELEASE_STEP_SCRIPT leaves them. */
export const RELEASE_SCRIPT = `${PRESENCE_LUA}
beginRelease(ARGV[2], ARGV[3])
return 0`

/**
 * ARGV: prefix, release id, limit. Leaves at most `limit` scopes of a release, as of when it began;
 * answers how many are left to do (0: the release is done).
 */
export const RELEASE_STEP_SCRIPT = `${PRESENCE_LUA}
local id = ARGV[2]
local info = redis.call('HGET', p .. 'presence-releases', id)
if not info then return 0 end
local nl = string.find(info, '\\n', 1, true)
local at, node = string.sub(info, 1, nl - 1), string.sub(info, nl + 1)
local set = p .. 'presence-releasing:' .. id
local held = p .. 'presence-held:' .. node
for _, entry in ipairs(redis.call('SPOP', set, tonumber(ARGV[3]))) do
  local e = string.find(entry, '\\n', 1, true)
  leave(held, node, string.sub(entry, 1, e - 1), string.sub(entry, e + 1), at)
end
local left = redis.call('SCARD', set)
if left == 0 then
  redis.call('HDEL', p .. 'presence-releases', id)
  redis.call('SREM', p .. 'presence-releasing-of:' .. node, id)
end
return left`

/**
 * ARGV: prefix, then (scope, member, left at) triples. Members a node left within the grace, after the
 * store lost them: present again and pending since they left, unless present already.
 */
export const RESTORE_SCRIPT = `${PRESENCE_LUA}
for i = 2, #ARGV, 3 do
  local s, m, left = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local z = k('presence-since', s)
  if not redis.call('ZSCORE', z, m) then
    redis.call('ZADD', z, left, m)
    redis.call('ZADD', pending, left, s .. '\\n' .. m)
    if string.sub(s, 1, 1) == 'p' then redis.call('ZADD', online, left, m) end
  end
end
return 0`

/**
 * ARGV: prefix, cutoff, limit, seenTtlMs, changesTtlMs, now, token, replayAt. Takes (atomically: each
 * once) members pending since at or before the cutoff, then peer datacenters' online states that expired
 * by now; answers scope, member, since, 1 (global change) or 0, 1 (a remote state) or 0, for each.
 */
export const SWEEP_SCRIPT = `${PRESENCE_LUA}
local limit, seenTtl, now, token, replayAt = tonumber(ARGV[3]), ARGV[4], ARGV[6], ARGV[7], ARGV[8]
local function seeAt(s, at)
  local seen = k('presence-seen', s)
  if tonumber(at) > tonumber(redis.call('GET', seen) or '0') then redis.call('SET', seen, at, 'PX', seenTtl) end
end
local out = {}
local function push(s, m, since, global, remote)
  for _, v in ipairs({s, m, since, global, remote}) do table.insert(out, v) end
end
local due = redis.call('ZRANGEBYSCORE', pending, '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, limit)
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
      record(token, replayAt, 't', string.sub(s, 3))
    else
      redis.call('ZREM', online, m)
      seeAt(s, left)
      if remoteOnline(s) then global = 0 else record(token, replayAt, 'p', m) end
    end
    push(s, m, left, global, 0)
  end
end
local room = limit - #due / 2
if room > 0 then
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', live, '-inf', now, 'LIMIT', 0, room)) do
    redis.call('ZREM', live, entry)
    local a = string.find(entry, '\\n', 1, true)
    local b = string.find(entry, '\\n', a + 1, true)
    local s, m, dc = string.sub(entry, 1, a - 1), string.sub(entry, a + 1, b - 1), string.sub(entry, b + 1)
    local r = k('presence-remote', s)
    local cur = redis.call('HGET', r, dc)
    if cur and string.sub(cur, 1, 1) == '1' then
      redis.call('HDEL', r, dc)
      if not remoteOnline(s) then
        redis.call('PEXPIRE', r, seenTtl)
        if not redis.call('ZSCORE', k('presence-since', s), m) then
          seeAt(s, now)
          record(token, replayAt, 'p', m)
          push(s, m, now, 1, 1)
        end
      end
    end
  end
end
return out`

/**
 * ARGV: prefix, scope, windowMs, limit, token, replayAt. Nil when there is nothing to publish, 0 while
 * another node holds the window; else count, 0 and the changes (member, 'j<since>' | 'l'), or count, 1
 * and the first members.
 */
export const DRAIN_SCRIPT = `${PRESENCE_LUA}
local s, limit = ARGV[2], tonumber(ARGV[4])
local c, z = k('presence-changes', s), k('presence-since', s)
local n = redis.call('HLEN', c)
if n == 0 then return false end
if not redis.call('SET', k('presence-claim', s), '1', 'PX', ARGV[3], 'NX') then return 0 end
record(ARGV[5], ARGV[6], 't', string.sub(s, 3))
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
 * ARGV: prefix, dc, seenTtlMs, now, ttlMs (0: no expiry), token, replayAt, then (scope, member, '1'
 * online | '0' offline, since) per change. Keeps each datacenter's state in a hash per member
 * (`<0|1>:<since>`); a change older than the kept one is ignored, the same online state sent again lives
 * on (`presence-remote-live`: when it expires). Answers member, status, since per global change.
 */
export const REMOTE_SCRIPT = `${PRESENCE_LUA}
local dc, now, ttl, token, replayAt = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
local out = {}
for i = 8, #ARGV, 4 do
  local s, m, st, since = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local r, entry = k('presence-remote', s), s .. '\\n' .. m .. '\\n' .. dc
  local cur = redis.call('HGET', r, dc)
  local apply = true
  if cur then
    local csince = tonumber(string.sub(cur, 3))
    apply = tonumber(since) > csince or (tonumber(since) == csince and st == '0' and string.sub(cur, 1, 1) == '1')
    if not apply and st == '1' and cur == '1:' .. since and ttl > 0 then redis.call('ZADD', live, now + ttl, entry) end
  end
  if apply then
    local here = redis.call('ZSCORE', k('presence-since', s), m) ~= false
    local before = here or remoteOnline(s)
    redis.call('HSET', r, dc, st .. ':' .. since)
    if st == '1' and ttl > 0 then redis.call('ZADD', live, now + ttl, entry) else redis.call('ZREM', live, entry) end
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
      record(token, replayAt, 'p', m)
      table.insert(out, m)
      table.insert(out, after and 'online' or 'offline')
      table.insert(out, at)
    end
  end
end
return out`

/** ARGV: prefix, now, replayMs, limit. Recorded changes past their time, each taken again replayMs later. */
export const REPLAY_SCRIPT = `${PRESENCE_LUA}
local due = redis.call('ZRANGEBYSCORE', outbox, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, entry in ipairs(due) do redis.call('ZADD', outbox, tonumber(ARGV[2]) + tonumber(ARGV[3]), entry) end
return due`

/**
 * ARGV: prefix, node, intervalMs, floorMs. 1 when this node sends the datacenter's digest now: none was
 * sent within the interval, or a peer asked for one and none was sent within the floor.
 */
export const CLAIM_DIGEST_SCRIPT = `${PRESENCE_LUA}
local claim, asked, recent = p .. 'presence-digest-claim', p .. 'presence-digest-asked', p .. 'presence-digest-recent'
if redis.call('EXISTS', claim) == 1 and (redis.call('EXISTS', asked) == 0 or redis.call('EXISTS', recent) == 1) then
  return 0
end
redis.call('DEL', asked)
redis.call('SET', claim, ARGV[2], 'PX', ARGV[3])
redis.call('SET', recent, '1', 'PX', ARGV[4])
return 1`

/** Every presence script, by the command name RedisPresenceStore defines it under (EVALSHA once loaded). */
export const PRESENCE_SCRIPTS = {
  likewirePresenceJoin: JOIN_SCRIPT,
  likewirePresenceLeave: LEAVE_SCRIPT,
  likewirePresenceRelease: RELEASE_SCRIPT,
  likewirePresenceReleaseStep: RELEASE_STEP_SCRIPT,
  likewirePresenceRestore: RESTORE_SCRIPT,
  likewirePresenceSweep: SWEEP_SCRIPT,
  likewirePresenceDrain: DRAIN_SCRIPT,
  likewirePresenceRemote: REMOTE_SCRIPT,
  likewirePresenceReplay: REPLAY_SCRIPT,
  likewirePresenceClaimDigest: CLAIM_DIGEST_SCRIPT,
}
