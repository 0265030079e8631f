import fc from 'fast-check'
import { type Built, bodyArb, poolTopic, publishValue, topicsArb, wrongType } from './arbitraries'
import { resumeValueArb, rewindValueArb } from './history-arbitraries'
import type { FuzzRequest } from './http'
import type { Context } from './oracle'
import { framingArb, headersArb, hostArb, methodArb, pathArb, queryArb, viaArb } from './requests'
import { API_KEY, asSent, type FuzzCase } from './setup'

// The route fuzz's three blocks of cases, for any configuration (the history block is in history-cases.ts).

/** POST /v1/subscribe, /v1/unsubscribe and /v1/publish with hostile JSON bodies. */
export function bodyCases(ctx: Context): fc.Arbitrary<FuzzCase> {
  const ids = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ctx.realIds) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '',
        `${ctx.nodeId}.00000000-0000-4000-8000-000000000000`,
        `${ctx.realIds[0]}x`,
        ctx.realIds[0]!.toUpperCase(),
        ctx.realIds[0]!.slice(0, -1),
        ` ${ctx.realIds[0]}`,
        `node-00000000.${ctx.realIds[0]!.split('.')[1]}`,
        '__proto__',
      ),
    },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: fc.constantFrom(...ctx.realIds).map((id) => [id]) },
  )
  const subscription = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        connectionId: fc.constantFrom(...ctx.realIds),
        topics: fc.array(poolTopic, { maxLength: 3 }),
      }),
    },
    { weight: 6, arbitrary: fc.record({ connectionId: ids, topics: topicsArb }, { requiredKeys: [] }) },
    {
      weight: 1,
      arbitrary: fc.record({ connectionId: ids, topics: topicsArb, extra: fc.jsonValue({ maxDepth: 5 }) }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    // asking for recovery: ignored on topics without history, refused when malformed
    {
      weight: 2,
      arbitrary: fc.record(
        {
          connectionId: fc.constantFrom(...ctx.realIds),
          topics: fc.array(poolTopic, { maxLength: 3 }),
          resume: resumeValueArb(ctx.epochs),
          rewind: rewindValueArb,
        },
        { requiredKeys: ['connectionId', 'topics'] },
      ),
    },
  )
  const real = ctx.realIds[0]
  const subTemplates = [`{"connectionId":"${real}","topics":[@]}`, `{"connectionId":@,"topics":["a"]}`, '@']
  const pubTemplates = [
    '{"topic":"a","data":@}',
    '{"events":[{"topic":"a","data":@}]}',
    '{"topic":@,"data":1}',
    '{"events":@}',
    '@',
  ]
  const key = [['Authorization', `Bearer ${API_KEY}`] as [string, string]]
  return fc
    .tuple(
      fc.oneof(
        fc.tuple(
          fc.constantFrom('/v1/subscribe', '/v1/unsubscribe'),
          bodyArb(subscription, subTemplates, ctx.config.maxRequestBytes),
        ),
        fc.tuple(fc.constant('/v1/publish'), bodyArb(publishValue, pubTemplates, ctx.config.maxRequestBytes)),
      ),
      fc.constantFrom<FuzzRequest['via']>('http', 'fetch'),
      fc.oneof({ weight: 4, arbitrary: fc.constant(key) }, { weight: 1, arbitrary: headersArb(ctx.epochs) }),
      fc.constantFrom(
        ['Content-Type', 'application/json'] as [string, string],
        ['Content-Type', 'text/plain'] as [string, string],
      ),
    )
    .map(([[target, built], via, headers, type]) =>
      asSent({
        req: { via, method: 'POST', target, headers: [type, ...headers], body: built.bytes },
        value: built.value,
        bodyKind: built.kind,
      }),
    )
}

/** GET /v1/connect with odd topic queries (recovery asked for too) and headers, and the cases earlier runs found. */
export function connectCases(ctx: Context): { arbitrary: fc.Arbitrary<FuzzCase>; examples: [FuzzCase][] } {
  const arbitrary = fc
    .tuple(
      queryArb(ctx.epochs),
      headersArb(ctx.epochs),
      fc.constantFrom<FuzzRequest['via']>('http', 'http', 'fetch', 'raw'),
      fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST'),
    )
    .map(([query, headers, via, method]) =>
      asSent({ req: { via, method, target: `/v1/connect${query}`, headers }, bodyKind: 'none' }),
    )
  // cases found by earlier runs, always tried first
  const examples: [FuzzCase][] = [
    // a body past Node's 16 KiB read buffer left the released socket paused: the client's leaving went unseen
    [
      asSent({
        req: {
          via: 'raw',
          method: 'GET',
          target: '/v1/connect?topics=a',
          headers: [],
          body: Buffer.alloc(20_000, 'x'),
        },
        bodyKind: 'bytes',
      }),
    ],
  ]
  return { arbitrary, examples }
}

/** Any method, path, headers and body, down to hand-written bytes. */
export function anythingCases(ctx: Context): fc.Arbitrary<FuzzCase> {
  const anyBody = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: bodyArb(publishValue, ['{"topic":"a","data":@}', '@'], ctx.config.maxRequestBytes),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 200 })
        .map((b): Built => ({ bytes: Buffer.from(b), kind: 'bytes' })),
    },
  )
  return fc
    .record({
      via: viaArb,
      method: methodArb,
      path: pathArb,
      query: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, queryArb(ctx.epochs)),
      headers: headersArb(ctx.epochs),
      body: anyBody,
      framing: framingArb,
      host: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, hostArb),
    })
    .map(({ via, method, path, query, headers, body, framing, host }) => {
      const rawOnly = via === 'raw'
      return asSent({
        req: {
          via,
          method,
          target: `${path}${query}`,
          headers,
          body: body?.bytes,
          framing: rawOnly ? framing : undefined,
          host: rawOnly ? host : undefined,
        },
        value: body?.value,
        bodyKind: body?.kind ?? 'none',
      })
    })
}
