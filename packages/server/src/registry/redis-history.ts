import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Position } from '../history/positions'
import type { ResolvedRule } from '../history/rules'
import type { Appended, AppendRequest, HistoryRead, HistoryStore } from '../history/store'
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
      redis.defineCommand('likewireHistoryAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT })
      redis.defineCommand('likewireHistoryRead', { numberOfKeys: 2, lua: READ_SCRIPT })
    }
  }

  async append(requests: readonly AppendRequest[]): Promise<Appended[]> {
    if (requests.length === 0) return []
    return (await this.run(requests, [])).appended
  }

  /** Only on the registry's connection (see RedisRegistry.historyStore): appends, then the lookup. */
  appendThenLookup?: HistoryStore['appendThenLookup']

  /** The appends, then SMEMBERS of `lookup`'s topics, in one pipeline: answered in that order. */
  protected async run(requests: readonly AppendRequest[], lookup: readonly string[]) {
    const pipeline = this.redis.pipeline() as unknown as Scripts
    const now = this.now()
    for (const request of requests) {
      const { topic, rule } = request
      pipeline.likewireHistoryAppend(
        this.keys.history(topic),
        this.keys.historyMeta(topic),
        request.key === undefined ? '' : this.keys.historyKey(topic, request.key),
        request.head,
        request.tail,
        rule.size,
        rule.ttlMs,
        metaTtl(rule),
        newEpoch(),
        request.id ?? '',
        now,
      )
    }
    const chain = pipeline as unknown as ReturnType<Redis['pipeline']>
    for (const topic of lookup) chain.smembers(this.keys.topic(topic))
    const replies = (await chain.exec()) ?? []
    const reply = (i: number) => {
      const [error, value] = replies[i] ?? [new Error('no reply from Redis')]
      if (error) throw error
      return value
    }
    const appended = requests.map((_, i) => {
      const [epoch, offset, id, json, duplicate] = reply(i) as [string, number, string, string, number]
      return { epoch, offset: Number(offset), id, json, duplicate: duplicate === 1 }
    })
    const routes = new Map<string, string[]>()
    lookup.forEach((topic, i) => {
      const nodes = reply(requests.length + i) as string[]
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

// KEYS: stream, meta, idempotency key ('' when none). ARGV: head, tail, size, ttlMs, metaTtlMs, new epoch, id, now.
const APPEND_SCRIPT = `
local stream, meta, key = KEYS[1], KEYS[2], KEYS[3]
if key ~= '' then
  local seen = redis.call('GET', key)
  if seen then
    local e, o, i = string.match(seen, '^([^|]*)|([^|]*)|(.*)$')
    return {e, tonumber(o), i, '', 1}
  end
end
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[6]
  redis.call('HSET', meta, 'epoch', epoch)
end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local json = ARGV[1] .. '"pos":{"epoch":"' .. epoch .. '","offset":' .. offset .. '}' .. ARGV[2]
redis.call('XADD', stream, 'MAXLEN', ARGV[3], '0-' .. offset, 'j', json, 't', ARGV[8])
redis.call('PEXPIRE', stream, ARGV[4])
redis.call('PEXPIRE', meta, ARGV[5])
if key ~= '' then redis.call('SET', key, epoch .. '|' .. offset .. '|' .. ARGV[7], 'PX', ARGV[4]) end
return {epoch, offset, ARGV[7], json, 0}`

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
}): RedisHistoryStore {
  const redis = new Redis(options.url, failFastOptions(1000))
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
