import { type Expected, LIMITS } from './setup'

// What docs/protocol.md ("History and recovery", "Errors", the check orders) says a request that asks for
// recovery or carries a key gets: a reference model written from the protocol, not from the server's code.

const TOPIC = /^[A-Za-z0-9_\-:.@/=]{1,200}$/
const EPOCH = /^[A-Za-z0-9_-]{1,32}$/
const KEY = /^[A-Za-z0-9_\-.:]{1,128}$/
const MAX_REWIND = 10_000
const VIEWERS = '/$viewers'

const invalidRequest: Expected = [{ status: 400, code: 'invalid_request' }]
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const subscribable = (t: unknown) =>
  typeof t === 'string' && TOPIC.test(t.endsWith(VIEWERS) ? t.slice(0, -VIEWERS.length) : t)
const isOffset = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
const isRewind = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_REWIND
const isPosition = (v: unknown) =>
  isObject(v) && typeof v.epoch === 'string' && EPOCH.test(v.epoch) && isOffset(v.offset)

/** The topic list of a connect or subscribe: more distinct topics than the limit first, then each name. */
function topicsRefused(list: readonly unknown[]): Expected | undefined {
  const distinct = new Set(list)
  if (distinct.size > LIMITS.maxSubscriptionsPerConnection)
    return [{ status: 400, code: 'too_many_subscriptions' }]
  if (![...distinct].every(subscribable)) return [{ status: 400, code: 'invalid_topic' }]
  return undefined
}

/** A connect's query parameters, as the server reads them (percent-decoded). */
export interface ConnectPlan {
  topics?: string | undefined
  resume?: string | undefined
  rewind?: string | undefined
}

/** `rewind=topic~n,...` and `resume=topic~epoch~offset,...`, each topic also in `topics`; Last-Event-ID never refuses. */
export function expectConnect(plan: ConnectPlan): Expected {
  const topics = plan.topics ? plan.topics.split(',') : []
  const refused = topicsRefused(topics)
  if (refused) return refused
  for (const entry of plan.rewind ? plan.rewind.split(',') : []) {
    const [topic, n, ...rest] = entry.split('~')
    const ok = topic && rest.length === 0 && /^\d+$/.test(n ?? '') && isRewind(Number(n))
    if (!ok || !topics.includes(topic)) return invalidRequest
  }
  for (const entry of plan.resume ? plan.resume.split(',') : []) {
    const [topic, epoch, offset, ...rest] = entry.split('~')
    const ok = topic && rest.length === 0 && EPOCH.test(epoch ?? '') && /^\d+$/.test(offset ?? '')
    if (!ok || !isOffset(Number(offset)) || !topics.includes(topic)) return invalidRequest
  }
  return [{ status: 200 }]
}

/**
 * A subscribe body: `resume` `{topic: {epoch, offset}}` and `rewind` `{topic: n}`, each key also in `topics`.
 * Accepted, it may still pass the connection's subscription limit (what it holds is the fuzz's doing).
 */
export function expectSubscribe(value: unknown, realIds: readonly string[]): Expected {
  if (!isObject(value)) return invalidRequest
  if (!realIds.includes(value.connectionId as string)) return [{ status: 404, code: 'unknown_connection' }]
  if (!Array.isArray(value.topics)) return invalidRequest
  const refused = topicsRefused(value.topics)
  if (refused) return refused
  for (const [name, item] of [
    ['rewind', value.rewind],
    ['resume', value.resume],
  ] as const) {
    if (item === undefined) continue
    if (!isObject(item)) return invalidRequest
    for (const [topic, v] of Object.entries(item)) {
      if (!value.topics.includes(topic)) return invalidRequest
      if (name === 'rewind' ? !isRewind(v) : !isPosition(v)) return invalidRequest
    }
  }
  return [{ status: 200 }, { status: 400, code: 'too_many_subscriptions' }]
}

/**
 * A publish: one event or a batch, each with a topic, data and maybe a key (1-128 of `A-Za-z0-9 _ - . :`).
 * The protocol does not say which bad event (or which of its faults) names the error: any of them may.
 */
export function expectPublish(value: unknown): Expected {
  const events = isObject(value) && 'events' in value ? value.events : [value]
  if (!Array.isArray(events) || events.length === 0) return invalidRequest
  if (events.length > LIMITS.maxBatchSize) return [{ status: 413, code: 'payload_too_large' }]
  const faults = new Set<string>()
  for (const event of events) {
    if (!isObject(event)) {
      faults.add('invalid_request')
      continue
    }
    if (typeof event.topic !== 'string' || !TOPIC.test(event.topic)) faults.add('invalid_topic')
    if (event.key !== undefined && (typeof event.key !== 'string' || !KEY.test(event.key)))
      faults.add('invalid_request')
    if (!('data' in event)) faults.add('invalid_request')
  }
  return faults.size === 0 ? [{ status: 202 }] : [...faults].map((code) => ({ status: 400, code }))
}
