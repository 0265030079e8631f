// A node's recorded topics are taken back in bounded steps, never in one O(topics) run: a frontend with
// 10,000 topics pruned or closed must not hold Redis (and every dispatcher's lookups) for that long.

/** Topics taken back per script run. */
export const UNHOLD_STEP = 500

const KEYS_LUA = `
local p = ARGV[1]
`

/**
 * ARGV: prefix, node. Sets the node's recorded topics aside (O(1)) to be taken back by UNHOLD_STEP_SCRIPT.
 * Used inside the prune and close scripts, so it is a Lua function, not a script of its own.
 */
export const BEGIN_UNHOLD_LUA = `
local function beginUnhold(node)
  local held = p .. 'held:' .. node
  if redis.call('EXISTS', held) == 0 then return end
  local id = redis.call('INCR', p .. 'unhold-seq')
  redis.call('RENAME', held, p .. 'unholding:' .. id)
  redis.call('HSET', p .. 'unholds', id, node)
end
`

/** ARGV: prefix, node. A node that closes: its lease, its place in the node set, its topics set aside. */
export const CLOSE_NODE_SCRIPT = `${KEYS_LUA}${BEGIN_UNHOLD_LUA}
local node = ARGV[2]
beginUnhold(node)
redis.call('DEL', p .. 'node:' .. node)
redis.call('SREM', p .. 'nodes', node)
return 0`

/**
 * ARGV: prefix, unhold id, limit. Takes back at most `limit` topics of one unhold; a topic the node
 * recorded again meanwhile (it was pruned, and came back) stays its own. Answers how many are left.
 */
export const UNHOLD_STEP_SCRIPT = `${KEYS_LUA}
local id = ARGV[2]
local node = redis.call('HGET', p .. 'unholds', id)
if not node then return 0 end
local set = p .. 'unholding:' .. id
local held = p .. 'held:' .. node
for _, topic in ipairs(redis.call('SPOP', set, tonumber(ARGV[3]))) do
  if redis.call('SISMEMBER', held, topic) == 0 then
    redis.call('SREM', p .. 'topic:' .. topic, node)
    redis.call('HDEL', p .. 'viewers:' .. topic, node)
  end
end
local left = redis.call('SCARD', set)
if left == 0 then redis.call('HDEL', p .. 'unholds', id) end
return left`
