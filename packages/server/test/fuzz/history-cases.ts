import fc from 'fast-check'
import { keyArb, wrongType } from './arbitraries'
import {
  epochArb,
  HISTORY_POOL,
  lastEventIdArb,
  offsetText,
  pickTopic,
  recoveryBodyText,
  recoveryTopic,
  rewindEntry,
} from './history-arbitraries'
import { type ConnectPlan, expectConnect, expectPublish, expectSubscribe } from './history-oracle'
import type { FuzzRequest } from './http'
import { API_KEY, asSent, type FuzzCase } from './setup'

/** What the history cases need from the running server: real connection ids, the epochs its topics have. */
export interface HistoryContext {
  realIds: string[]
  epochs: string[]
}

const viaArb = fc.constantFrom<FuzzRequest['via']>('http', 'http', 'fetch', 'raw')
const key: [string, string] = ['Authorization', `Bearer ${API_KEY}`]
const json: [string, string] = ['Content-Type', 'application/json']
// the server reads percent-decoded parameters: both encodings must mean the same
const encoders = {
  all: encodeURIComponent,
  light: (v: string) => encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':'),
}

const connectTopic = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...HISTORY_POOL, 'a', 'p:1') },
  { weight: 1, arbitrary: recoveryTopic },
)

/** GET /v1/connect with topics (duplicates included), resume, rewind and Last-Event-ID: the answer is known. */
function connectCase(known: readonly string[]): fc.Arbitrary<FuzzCase> {
  // a resume or rewind mostly names a topic of the list (a number picks one), else any
  const named = fc.oneof({ weight: 3, arbitrary: fc.nat() }, { weight: 1, arbitrary: recoveryTopic })
  const resume = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(named, epochArb(known), offsetText) },
    { weight: 1, arbitrary: fc.constantFrom('', 'h:1~e', 'h:1~e~1~2', '~e~1', 'h:1~~1') },
  )
  const rewind = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(named, fc.oneof(fc.integer({ min: 1, max: 12 }).map(String), offsetText)),
    },
    { weight: 1, arbitrary: rewindEntry },
  )
  return fc
    .record({
      // duplicates come often (a small pool), and now and then more topics than a connection may hold
      topics: fc.option(fc.array(connectTopic, { maxLength: 4 }), { nil: undefined }),
      resume: fc.option(fc.array(resume, { maxLength: 3 }), { nil: undefined }),
      rewind: fc.option(fc.array(rewind, { maxLength: 2 }), { nil: undefined }),
      lastEventId: fc.option(
        fc.oneof(
          { weight: 8, arbitrary: lastEventIdArb(known) },
          // past Node's 16 KiB of headers: refused by Node itself
          { weight: 1, arbitrary: epochArb(known).map((e) => `${e}:${'9'.repeat(17_000)}`) },
        ),
        { nil: undefined },
      ),
      encode: fc.constantFrom<keyof typeof encoders>('all', 'light'),
      via: viaArb,
    })
    .map(({ topics, resume, rewind, lastEventId, encode, via }) => {
      const list = topics ?? []
      const entry = (item: string | [number | string, ...string[]]) =>
        typeof item === 'string' ? item : [pickTopic(list, item[0]), ...item.slice(1)].join('~')
      const plan: ConnectPlan = {
        topics: topics?.join(','),
        resume: resume?.map(entry).join(','),
        rewind: rewind?.map(entry).join(','),
      }
      const query = (['topics', 'resume', 'rewind'] as const)
        .filter((name) => plan[name] !== undefined)
        .map((name) => `${name}=${encoders[encode](plan[name]!)}`)
        .join('&')
      const headers: Array<[string, string]> =
        lastEventId === undefined ? [] : [['Last-Event-ID', lastEventId]]
      const huge = (lastEventId?.length ?? 0) > 15_000
      return asSent({
        req: { via, method: 'GET', target: `/v1/connect${query ? `?${query}` : ''}`, headers },
        bodyKind: 'none',
        expected: huge ? undefined : expectConnect(plan),
      })
    })
}

const parsed = (text: string): { value?: unknown; kind: FuzzCase['bodyKind'] } => {
  try {
    return { value: JSON.parse(text), kind: 'structured' }
  } catch {
    return { kind: 'garbage' }
  }
}

/** POST /v1/subscribe (and unsubscribe) with resume and rewind written as JSON text, tokens JSON never writes included. */
function subscribeCase(ctx: HistoryContext): fc.Arbitrary<FuzzCase> {
  const id = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...ctx.realIds).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('"x"', 'null', '1', `"${ctx.realIds[0]}x"`) },
  )
  const topics = fc.oneof(
    { weight: 8, arbitrary: fc.array(fc.constantFrom(...HISTORY_POOL, 'a', 'h:3'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(recoveryTopic, { maxLength: 4 }) },
    { weight: 1, arbitrary: wrongType },
  )
  return fc
    .record({
      // unsubscribes free the victims' few subscriptions for the next subscribes
      route: fc.constantFrom('/v1/subscribe', '/v1/subscribe', '/v1/unsubscribe'),
      id,
      topics,
      resume: fc.option(recoveryBodyText(ctx.epochs, 'resume'), { nil: undefined }),
      rewind: fc.option(recoveryBodyText(ctx.epochs, 'rewind'), { nil: undefined }),
      via: fc.constantFrom<FuzzRequest['via']>('http', 'fetch'),
    })
    .map(({ route, id, topics, resume, rewind, via }) => {
      const list = Array.isArray(topics) ? topics : []
      const extra = `${resume === undefined ? '' : `,"resume":${resume(list)}`}${rewind === undefined ? '' : `,"rewind":${rewind(list)}`}`
      const text = `{"connectionId":${id},"topics":${JSON.stringify(topics)}${extra}}`
      const { value, kind } = parsed(text)
      return asSent({
        req: { via, method: 'POST', target: route, headers: [json], body: Buffer.from(text) },
        value,
        bodyKind: kind,
        // unsubscribe ignores resume and rewind: only the subscribe's answer is known here
        expected:
          route === '/v1/subscribe' && kind === 'structured'
            ? expectSubscribe(value, ctx.realIds)
            : undefined,
      })
    })
}

/** POST /v1/publish to history and other topics, with idempotency keys (repeated, so retries happen). */
function publishCase(): fc.Arbitrary<FuzzCase> {
  const event = fc.record(
    {
      topic: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...HISTORY_POOL) },
        { weight: 2, arbitrary: fc.constantFrom('a', 'p:1', 'h:3') },
        { weight: 1, arbitrary: recoveryTopic },
      ),
      data: fc.oneof(
        fc.integer(),
        fc.string({ maxLength: 20 }),
        fc.constant(null),
        fc.record({ n: fc.nat() }),
      ),
      key: keyArb,
    },
    { requiredKeys: ['topic', 'data'] },
  )
  const body = fc.oneof(
    { weight: 3, arbitrary: event },
    { weight: 2, arbitrary: fc.record({ events: fc.array(event, { minLength: 1, maxLength: 6 }) }) },
  )
  return fc.tuple(body, fc.constantFrom<FuzzRequest['via']>('http', 'fetch')).map(([value, via]) =>
    asSent({
      req: {
        via,
        method: 'POST',
        target: '/v1/publish',
        headers: [json, key],
        body: Buffer.from(JSON.stringify(value)),
      },
      value,
      bodyKind: 'structured',
      expected: expectPublish(value),
    }),
  )
}

/** The history block: connects, subscribes and publishes that ask for recovery or carry keys. */
export function historyCaseArb(ctx: HistoryContext): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 4, arbitrary: connectCase(ctx.epochs) },
    { weight: 3, arbitrary: subscribeCase(ctx) },
    { weight: 3, arbitrary: publishCase() },
  )
}
