import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Position } from '../history/positions'
import type { ResolvedRule } from '../history/rules'
import {
  type Appended,
  type AppendRequest,
  type HistoryRead,
  type HistoryStore,
  positionedJson,
} from '../history/store'
import { failFastOptions, whenReady } from './lease'
import { DEFAULT_KEY_PREFIX, type RedisKeys, redisKeys } from './redis-keys'
import type { RegistryHealth } from './registry'

/**
 * Cluster history on Redis Streams, one stream per topic: every dispatcher and frontend of a datacenter
 * agrees on positions because Redis assigns them (a hash holds the epoch and a counter; a script appends
 * and trims in one step). A Redis restarted empty has no epoch: the next one drawn is new.
 */
export class RedisHistoryStore implements HistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
    private readonly onClose: () => Promise<void> = async () => {},
    /** Resolves once its connection is up (a store on a Redis of its own). */
    readonly ready: () => Promise<void> = async () => {},
    /** On the registry's own connection: a publish's lookup can ride behind its appends. */
    sameConnectionAsRegistry = false,
  ) {
    if (sameConnectionAsRegistry) this.appendThenLookup = (requests, topics) => this.run(requests, topics)
    // EVALSHA once loaded: the script text is not sent with every event
    if (!('likewireHistoryAppend' in redis)) {
      redis.defineCommand('likewireHistoryAppend', { lua: APPEND_SCRIPT }) // its key count comes first
      redis.defineCommand('likewireHistoryRead', { numberOfKeys: 2, lua: READ_SCRIPT })
    }
  }

  async append(requests: readonly AppendRequest[]): Promise<Appended[]> {
    if (requests.length === 0) return []
    return (await this.run(requests, [])).appended
  }

  /** Only on the registry's connection (see RedisRegistry.historyStore): appends, then the lookup. */
  appendThenLookup?: HistoryStore['appendThenLookup']

  /**
   * The appends (one script run for the whole batch: per-command costs are paid once, not per event), then
   * SMEMBERS of `lookup`'s topics, in one pipeline: answered in that order.
   */
  protected async run(requests: readonly AppendRequest[], lookup: readonly string[]) {
    const pipeline = this.redis.pipeline() as unknown as Scripts
    const keys: string[] = []
    const args: Array<string | number> = [this.now(), newEpoch()]
    for (const request of requests) {
      const { topic, rule } = request
      keys.push(
        this.keys.history(topic),
        this.keys.historyMeta(topic),
        request.key === undefined ? '' : this.keys.historyKey(topic, request.key),
      )
      args.push(rule.size, rule.ttlMs, metaTtl(rule), request.id ?? '', request.head, request.tail)
    }
    pipeline.likewireHistoryAppend(keys.length, ...keys, ...args)
    const chain = pipeline as unknown as ReturnType<Redis['pipeline']>
    for (const topic of lookup) chain.smembers(this.keys.topic(topic))
    const replies = (await chain.exec()) ?? []
    const reply = (i: number) => {
      const [error, value] = replies[i] ?? [new Error('no reply from Redis')]
      if (error) throw error
      return value
    }
    const flat = reply(0) as Array<string | number>
    const appended = requests.map((request, i): Appended => {
      const epoch = String(flat[i * 4])
      const offset = Number(flat[i * 4 + 1])
      const duplicate = Number(flat[i * 4 + 3]) === 1
      // the JSON is built here, as the script would: Redis answers positions, not the events back
      const json = duplicate ? '' : positionedJson(request, { epoch, offset })
      return { epoch, offset, id: String(flat[i * 4 + 2]), json, duplicate }
    })
    const routes = new Map<string, string[]>()
    lookup.forEach((topic, i) => {
      const nodes = reply(1 + i) as string[]
      if (nodes.length > 0) routes.set(topic, nodes)
    })
    return { appended, routes }
  }

  async read(
    topic: string,
    rule: ResolvedRule,
    from: { after: Position } | { last: number },
  ): Promise<HistoryRead> {
    const reply = (await (this.redis as unknown as Scripts).likewireHistoryRead(
      this.keys.history(topic),
      this.keys.historyMeta(topic),
      'after' in from ? 'after' : 'last',
      'after' in from ? from.after.offset : from.last,
      'after' in from ? from.after.epoch : '',
      newEpoch(),
      metaTtl(rule),
    )) as [string, number, Array<[string, string[]]>]
    const [epoch, latestReply, entries] = reply
    const oldest = this.now() - rule.ttlMs
    const events: HistoryRead['events'] = []
    for (const [entryId, fields] of 'last' in from ? [...entries].reverse() : entries) {
      const at = Number(fieldOf(fields, 't'))
      if (at < oldest) continue // past its age: trimmed for what a reader can tell
      events.push({ offset: Number(entryId.slice(2)), json: fieldOf(fields, 'j') })
    }
    const latest = Math.max(Number(latestReply), events.at(-1)?.offset ?? 0)
    if ('last' in from) return { epoch, latest, events, complete: true }
    const after = from.after
    const first = events[0]?.offset ?? latest + 1
    const complete = epoch === after.epoch && after.offset <= latest && first === after.offset + 1
    return { epoch, latest, events: epoch === after.epoch ? events : [], complete }
  }

  async health(): Promise<RegistryHealth> {
    try {
      await this.redis.ping()
      return { ok: true }
    } catch (error) {
      return { ok: false, detail: `history redis: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  async close(): Promise<void> {
    await this.onClose()
  }
}

/** The two scripts, as ioredis defines them on a client (and its pipelines). */
interface Scripts {
  likewireHistoryAppend(...args: Array<string | number>): unknown
  likewireHistoryRead(...args: Array<string | number>): Promise<unknown>
}

const newEpoch = () => randomBytes(6).toString('base64url')

/** The epoch and counter outlive the events: a client resuming just after the events expired learns `expired`, not `epoch`. */
const metaTtl = (rule: ResolvedRule) => Math.max(rule.ttlMs * 4, 3_600_000)

function fieldOf(fields: string[], name: string): string {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!
  return ''
}

// KEYS: per event stream, meta, idempotency key ('' when none). ARGV: now, a new epoch, then per event size,
// ttlMs, metaTtlMs, id, head, tail. Answers per event epoch, offset, id, duplicate (0 | 1).
const APPEND_SCRIPT = `
local now, fresh = tonumber(ARGV[1]), ARGV[2]
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local stream, meta, key = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local a = 2 + i * 6
  local size, ttl, metaTtl, id = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4]
  local seen = key ~= '' and redis.call('GET', key)
  if seen then
    local e, o, first = string.match(seen, '^([^|]*)|([^|]*)|(.*)$')
    table.insert(out, e); table.insert(out, tonumber(o)); table.insert(out, first); table.insert(out, 1)
  else
    local epoch = redis.call('HGET', meta, 'epoch')
    if not epoch then
      epoch = fresh
      redis.call('HSET', meta, 'epoch', epoch)
    end
    local offset = redis.call('HINCRBY', meta, 'offset', 1)
    local json = ARGV[a + 5] .. '"pos":{"epoch":"' .. epoch .. '","offset":' .. offset .. '}' .. ARGV[a + 6]
    redis.call('XADD', stream, 'MAXLEN', size, '0-' .. offset, 'j', json, 't', now)
    -- trimmed by age too, every 8th append up to 16 entries older than the TTL (ids are offsets: MINID)
    if offset % 8 == 0 then
      local keep
      for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', 16)) do
        if tonumber(entry[2][4]) >= now - ttl then break end
        keep = '0-' .. (tonumber(string.sub(entry[1], 3)) + 1)
      end
      if keep then redis.call('XTRIM', stream, 'MINID', keep) end
    end
    redis.call('PEXPIRE', stream, ttl)
    redis.call('PEXPIRE', meta, metaTtl)
    if key ~= '' then redis.call('SET', key, epoch .. '|' .. offset .. '|' .. id, 'PX', ttl) end
    table.insert(out, epoch); table.insert(out, offset); table.insert(out, id); table.insert(out, 0)
  end
end
return out`

// KEYS: stream, meta. ARGV: 'after' | 'last', offset or count, the reader's epoch, new epoch, metaTtlMs.
const READ_SCRIPT = `
local stream, meta = KEYS[1], KEYS[2]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', meta, 'epoch', epoch)
  redis.call('PEXPIRE', meta, ARGV[5])
end
local latest = tonumber(redis.call('HGET', meta, 'offset') or '0')
local entries = {}
if ARGV[1] == 'last' then
  if tonumber(ARGV[2]) > 0 then entries = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', ARGV[2]) end
elseif epoch == ARGV[3] then
  entries = redis.call('XRANGE', stream, '(0-' .. ARGV[2], '+')
end
return {epoch, latest, entries}`

/** History on a Redis of its own (`--history-redis`): what it costs is a second round trip per publish. */
export function connectHistoryStore(options: {
  url: string
  keyPrefix?: string | undefined
  /** How long a command may take before it fails. @default 1000 */
  commandTimeoutMs?: number | undefined
}): RedisHistoryStore {
  const redis = new Redis(options.url, failFastOptions(options.commandTimeoutMs ?? 1000))
  redis.on('error', () => {}) // surfaces as 503 on history publishes and in health
  return new RedisHistoryStore(
    redis,
    redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX),
    Date.now,
    async () => {
      redis.disconnect()
    },
    () => whenReady(redis, 5000),
  )
}
