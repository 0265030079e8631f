// Property-based fuzz of tokens at connect and of subscribes judged by a token's topics claim: seeded,
// a few hundred cases per server. Whatever the token, the answer is 200 or a documented 4xx with its
// code, challenge and CORS, never a 5xx or a hang, and a witness stream is unharmed.
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { openStream, type Stream } from '@likewire/testkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { LikewireOptions } from '../src/options'
import { ErrorCode } from '../src/protocol/errors'
import { type FuzzRequest, type FuzzResponse, send } from './fuzz-http'
import { metric, type Running, startLikewire } from './helpers'

const SEED = Number(process.env.FUZZ_SEED ?? 0x70_c3e5)
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
const RUNS = { connect: 300 * SCALE, subscribe: 150 * SCALE }
const REQUEST_CEILING_MS = 10_000
const MARKER_EVERY = 25
const ORIGIN = 'https://app.example'
const ISSUER = 'https://id.example'
const AUDIENCE = 'likewire'
const HS_SECRET = 'fuzz-secret-of-at-least-thirty-two-bytes'
const WITNESS_TOPIC = 'witness:1'
const REALM = 'Bearer realm="likewire"'

/** Status of each error code, read from the Errors table of docs/protocol.md (as the route fuzz does). */
const documented = new Map<string, number>(
  [
    ...readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8').matchAll(
      /^\|\s*(\d{3})\s*\|\s*`([a-z_]+)`/gm,
    ),
  ].map((m) => [m[2]!, Number(m[1])]),
)
const CODES = new Set<string>(Object.values(ErrorCode))

// ---------------------------------------------------------------- signing, synchronous (arbitraries are)

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url')
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

interface Signer {
  alg: 'HS256' | 'ES256'
  sign(body: string): string
}
const hs256 = (secret: string): Signer => ({
  alg: 'HS256',
  sign: (body) => createHmac('sha256', secret).update(body).digest('base64url'),
})
const es256 = (key: KeyObject): Signer => ({
  alg: 'ES256',
  sign: (body) => sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
})

function jwt(signer: Signer, payload: unknown, header: Record<string, unknown> = {}): string {
  const body = `${b64({ alg: signer.alg, typ: 'JWT', ...header })}.${b64(payload)}`
  return `${body}.${signer.sign(body)}`
}

// ---------------------------------------------------------------- the reference rules (written apart from the server's)

const isMember = (sub: unknown) =>
  typeof sub === 'string' &&
  sub.length >= 1 &&
  sub.length <= 128 &&
  [...sub].every((ch) => ch.charCodeAt(0) >= 0x20 && !(ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f))
const TOPIC = /^[A-Za-z0-9_\-:.@/=]{1,200}$/
const baseOf = (topic: string) => topic.replace(/\/\$(viewers|members|presence)$/, '')
const validTopic = (topic: string) => TOPIC.test(baseOf(topic))
const matches = (pattern: string, topic: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  ).test(topic)
const granted = (claim: string[] | null, topic: string) =>
  claim === null || claim.some((pattern) => matches(pattern, baseOf(topic)))

// ---------------------------------------------------------------- arbitraries

const SUBS = ['ann', 'auth0|5f2a', 'bob@example.com', 'Zoë', '用户', 'a=b', 'x'.repeat(128), '🙂']
const PATTERNS = ['room:*', 'room:1', 'chat:*:msgs', '*', 'p:*', 'member:*', '', 'q:1']
const POOL = [
  'room:1',
  'room:2',
  'chat:9:msgs',
  'chat:9',
  'p:x',
  'q:1',
  'q:2',
  'room:1/$viewers',
  'p:1/$members',
]
const BAD_TOPICS = ['a b', '', 'é', '$', 'room:1/$viewers/$viewers', 'x'.repeat(201)]

type Kind =
  | 'valid'
  | 'expired'
  | 'not-yet'
  | 'wrong-iss'
  | 'wrong-aud'
  | 'hostile'
  | 'wrong-alg'
  | 'other-key'
  | 'mutated'
  | 'garbage'
  | 'huge'

/** A token and what the generator knows about it. */
interface Tok {
  kind: Kind
  text: string
  sub?: unknown
  claim?: unknown
}

const claimArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 3 }) },
)
const hostileValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('', 'a\nb', '\u0000', '\u0085x', 'x'.repeat(129), 'x'.repeat(128)),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
)

function tokenArb(signer: Signer, other: Signer): fc.Arbitrary<Tok> {
  const now = Math.floor(Date.now() / 1000)
  const claims = (extra: Record<string, unknown>) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    exp: now + 3600,
    ...extra,
  })
  const good = fc.record({ sub: fc.constantFrom(...SUBS), topics: claimArb })
  const signed = (kind: Kind, extra: (g: { sub: string; topics?: string[] }) => Record<string, unknown>) =>
    good.map(
      ({ sub, topics }): Tok => ({
        kind,
        sub,
        claim: topics,
        text: jwt(
          signer,
          claims({ sub, ...(topics === undefined ? {} : { topics }), ...extra({ sub, topics }) }),
        ),
      }),
    )
  return fc.oneof(
    { weight: 8, arbitrary: signed('valid', () => ({})) },
    { weight: 1, arbitrary: signed('expired', () => ({ exp: now - 60 })) },
    { weight: 1, arbitrary: signed('not-yet', () => ({ nbf: now + 3600 })) },
    { weight: 1, arbitrary: signed('wrong-iss', () => ({ iss: 'https://evil.example' })) },
    { weight: 1, arbitrary: signed('wrong-aud', () => ({ aud: 'other' })) },
    {
      weight: 3,
      arbitrary: fc
        .record({ sub: hostileValue, topics: hostileValue, extra: fc.jsonValue({ maxDepth: 4 }) })
        .map(
          ({ sub, topics, extra }): Tok => ({
            kind: 'hostile',
            sub,
            claim: topics,
            text: jwt(signer, { extra, ...claims({ sub, topics }) }),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('none', 'HS512', 'RS256', 'ES256', 'HS256', 'PS256', '', null, 42)
        .filter((alg) => alg !== signer.alg)
        .map((alg): Tok => {
          const body = `${b64({ alg })}.${b64(claims({ sub: 'ann' }))}`
          return { kind: 'wrong-alg', text: `${body}.${alg === 'none' ? '' : signer.sign(body)}` }
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Tok>({ kind: 'other-key', text: jwt(other, claims({ sub: 'ann' })) }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          signed('mutated', () => ({})),
          fc.nat(),
          fc.constantFrom('flip', 'cut', 'dot', 'drop', 'add'),
        )
        .map(([tok, at, how]): Tok => {
          const t = tok.text
          const i = at % t.length
          const text =
            how === 'flip'
              ? `${t.slice(0, i)}${t[i] === 'A' ? 'B' : 'A'}${t.slice(i + 1)}`
              : how === 'cut'
                ? t.slice(0, i)
                : how === 'dot'
                  ? `${t.slice(0, i)}.${t.slice(i)}`
                  : how === 'drop'
                    ? t.split('.').slice(0, 2).join('.')
                    : `${t}.${t.split('.')[1]}`
          return { ...tok, kind: 'mutated', text }
        }),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~+/= '.split('')), maxLength: 60 }),
          fc.constantFrom('.', '..', '...', 'null', 'e30.e30.', 'eyJhbGciOiJub25lIn0.e30.', 'Bearer x'),
        )
        .map((text): Tok => ({ kind: 'garbage', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 8_100, max: 12_000 })
        .map((n): Tok => ({ kind: 'huge', text: 'a'.repeat(n) })),
    },
  )
}

type Placement = 'header' | 'header-odd' | 'query' | 'both' | 'twice' | 'none' | 'basic'
const placementArb = fc.constantFrom<Placement>(
  'header',
  'header',
  'header-odd',
  'query',
  'query',
  'both',
  'twice',
  'none',
  'basic',
)

interface Case {
  tok: Tok
  placement: Placement
  topics: string[]
  method: string
  via: FuzzRequest['via']
  origin: string | undefined
  req: FuzzRequest
}

function buildCase(c: Omit<Case, 'req'>): Case {
  const headers: Array<[string, string]> = []
  const params: string[] = []
  const t = c.tok.text
  if (c.placement === 'header' || c.placement === 'both') headers.push(['Authorization', `Bearer ${t}`])
  if (c.placement === 'header-odd') headers.push(['authorization', `bearer   ${t}`])
  if (c.placement === 'basic')
    headers.push(['Authorization', `Basic ${Buffer.from(`ann:${t}`).toString('base64')}`])
  if (c.placement === 'query' || c.placement === 'both' || c.placement === 'twice')
    params.push(`access_token=${encodeURIComponent(t)}`)
  if (c.placement === 'twice') params.push(`access_token=${encodeURIComponent(t)}`)
  if (c.topics.length > 0) params.push(`topics=${c.topics.map(encodeURIComponent).join(',')}`)
  if (c.origin !== undefined) headers.push(['Origin', c.origin])
  const target = `/v1/connect${params.length > 0 ? `?${params.join('&')}` : ''}`
  const req: FuzzRequest = { via: c.via, method: c.method, target, headers }
  return Object.defineProperty({ ...c, req }, fc.toStringMethod, { value: () => summary({ ...c, req }) })
}

function summary(c: Case): string {
  return JSON.stringify({
    kind: c.tok.kind,
    token: c.tok.text.length > 200 ? `${c.tok.text.slice(0, 200)}...(${c.tok.text.length})` : c.tok.text,
    sub: c.tok.sub,
    claim: c.tok.claim,
    placement: c.placement,
    topics: c.topics,
    method: c.method,
    via: c.via,
    origin: c.origin,
  })
}

// ---------------------------------------------------------------- the oracle

/** The answer a connect case must get, when the generator's knowledge makes it certain. */
function expected(c: Case, cors: boolean): { status: number; code?: string; challenge?: string } | undefined {
  if (c.method === 'HEAD' || c.method === 'POST') return { status: 405, code: 'method_not_allowed' }
  const { tok, placement } = c
  const given = tok.text.trim() !== ''
  // (a blank token in the header counts as none; in the query only an empty one does)
  const inHeader = placement === 'header' || placement === 'both' || placement === 'header-odd'
  const inQuery = placement === 'query' || placement === 'both' || placement === 'twice'
  const headerToken = inHeader && given
  const queryTokens = inQuery && tok.text !== '' ? (placement === 'twice' ? 2 : 1) : 0
  if ((headerToken ? 1 : 0) + queryTokens > 1) return { status: 400, code: 'invalid_request' }
  if (!headerToken && queryTokens === 0) return { status: 401, code: 'unauthorized', challenge: REALM }
  const invalid = { status: 401, code: 'unauthorized', challenge: `${REALM}, error="invalid_token"` }
  // a token in the query is decoded back exactly; in a header, HTTP trims its ends
  if (tok.text.length > 8192) return invalid
  if (['wrong-alg', 'other-key', 'not-yet', 'wrong-iss', 'wrong-aud', 'garbage', 'huge'].includes(tok.kind))
    return invalid
  if (tok.kind === 'expired')
    return {
      status: 401,
      code: 'token_expired',
      challenge: `${REALM}, error="invalid_token", error_description="token expired"`,
    }
  if (tok.kind === 'mutated') return undefined // a flipped padding bit may still verify: no certainty
  if (!isMember(tok.sub)) return invalid
  const claim = tok.claim
  if (claim !== undefined && !(Array.isArray(claim) && claim.every((t) => typeof t === 'string')))
    return invalid
  // `?topics=` with an empty value is no topics at all; an empty item in a longer list is invalid
  const topics = c.topics.length === 1 && c.topics[0] === '' ? [] : c.topics
  if (!topics.every(validTopic)) return { status: 400, code: 'invalid_topic' }
  const ok = topics.every(
    (t) => granted((claim as string[] | undefined) ?? null, t) && !t.startsWith('forbidden'),
  )
  void cors
  return ok ? { status: 200 } : { status: 403, code: 'forbidden' }
}

interface Ctx {
  running: Running
  cors: boolean
  seen: Map<string, number>
}
const bump = (ctx: Ctx, key: string) => ctx.seen.set(key, (ctx.seen.get(key) ?? 0) + 1)

function check(ctx: Ctx, c: Case, res: FuzzResponse): void {
  const where = `${summary(c)}\n -> ${res.kind} ${res.status} ${res.body.toString('utf8').slice(0, 300)}`
  expect(res.kind, `hung or dropped: ${where}`).toBe('answer')
  expect(res.status, `a 5xx: ${where}`).toBeLessThan(500)
  const headerBytes =
    c.req.target.length + c.req.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0)
  if (res.status === 431) {
    // past Node's 16 KiB of headers: Node refuses it before Likewire sees it
    expect(headerBytes, where).toBeGreaterThan(15_000)
    bump(ctx, 'status 431 (Node)')
    return
  }
  bump(ctx, `status ${res.status}`)
  const want = expected(c, ctx.cors)
  if (want) expect(res.status, `expected ${JSON.stringify(want)}: ${where}`).toBe(want.status)
  const allow = res.headers['access-control-allow-origin']
  if (ctx.cors && c.origin === ORIGIN) expect(allow, `no CORS: ${where}`).toBe(ORIGIN)
  else expect(allow, `CORS granted: ${where}`).toBeUndefined()
  if (res.status === 200) {
    expect(res.stream, where).toMatch(/^retry: \d+\n\nevent: likewire\.connected\n/)
    // a stream opens only for a token that verifies with a member and grants every topic asked
    expect(['valid', 'hostile', 'mutated'], where).toContain(c.tok.kind)
    expect(isMember(c.tok.sub), where).toBe(true)
    bump(ctx, `stream (${c.tok.kind})`)
    return
  }
  if (c.method === 'HEAD') return
  const body = JSON.parse(res.body.toString('utf8'))
  expect(Object.keys(body), where).toEqual(['error'])
  expect(CODES, `code not in ErrorCode: ${where}`).toContain(body.error.code)
  expect(res.status, `status of ${body.error.code}: ${where}`).toBe(documented.get(body.error.code))
  if (want?.code) expect(body.error.code, where).toBe(want.code)
  // a message names the check, never the token
  if (c.tok.text.length > 20) expect(body.error.message, where).not.toContain(c.tok.text.slice(-20))
  const challenge = res.headers['www-authenticate']
  if (res.status === 401) expect(challenge, where).toMatch(/^Bearer realm="likewire"/)
  if (res.status === 403) expect(challenge, where).toBe(`${REALM}, error="insufficient_scope"`)
  if (want?.challenge) expect(challenge, where).toBe(want.challenge)
  bump(ctx, `code ${body.error.code}`)
}

// ---------------------------------------------------------------- the runs

interface Config {
  name: string
  signer: Signer
  other: Signer
  options: LikewireOptions
  cors: boolean
}

const configs: Config[] = [
  {
    name: 'HS256 with issuer and audience, CORS allow-list, an authorize hook',
    signer: hs256(HS_SECRET),
    other: hs256(`${HS_SECRET}-other`),
    options: {
      auth: { jwt: { secret: HS_SECRET, issuer: ISSUER, audience: [AUDIENCE, 'other-app'] } },
      cors: { origins: [ORIGIN] },
      authorize: (_identity, topic) => !topic.startsWith('forbidden'),
    },
    cors: true,
  },
  {
    name: 'ES256 public key, CORS off',
    signer: es256(createPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))),
    other: es256(stranger.privateKey),
    options: {
      auth: {
        jwt: {
          publicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          issuer: ISSUER,
          audience: AUDIENCE,
        },
      },
      cors: false,
      authorize: (_identity, topic) => !topic.startsWith('forbidden'),
    },
    cors: false,
  },
]

describe.each(configs)('fuzz of tokens ($name)', (config) => {
  let running: Running
  let witness: Stream
  let limited: Stream
  const limitedClaim = ['p:*', 'q:1', 'member:*']
  const markers: number[] = []
  let cases = 0
  const ctx = { seen: new Map() } as Ctx

  beforeAll(async () => {
    running = await startLikewire({
      heartbeatMs: 600_000,
      maxSubscriptionsPerConnection: 100,
      ...config.options,
    })
    Object.assign(ctx, { running, cors: config.cors })
    const now = Math.floor(Date.now() / 1000)
    const bearer = (claims: object) => ({
      Authorization: `Bearer ${jwt(config.signer, { iss: ISSUER, aud: AUDIENCE, exp: now + 3600, ...claims })}`,
    })
    witness = await openStream(
      `${running.url}/v1/connect?topics=${WITNESS_TOPIC}`,
      bearer({ sub: 'witness', topics: ['witness:*'] }),
    )
    limited = await openStream(`${running.url}/v1/connect`, bearer({ sub: 'limited', topics: limitedClaim }))
    await vi.waitFor(() => [witness.connectionId(), limited.connectionId()])
  })
  afterAll(async () => {
    if (process.env.FUZZ_VERBOSE) console.log(config.name, Object.fromEntries([...ctx.seen].sort()))
    witness?.close()
    limited?.close()
    await running?.close()
  })

  async function marker(): Promise<void> {
    if (++cases % MARKER_EVERY !== 0) return
    markers.push(cases)
    await running.lw.publish(WITNESS_TOPIC, { marker: cases })
  }

  const runs = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: !process.env.FUZZ_SHRINK })

  it('GET /v1/connect with any token, anywhere in the request', async () => {
    const caseArb = fc
      .record({
        tok: tokenArb(config.signer, config.other),
        placement: placementArb,
        topics: fc.oneof(
          { weight: 1, arbitrary: fc.constant<string[]>([]) },
          { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...POOL), { maxLength: 3 }) },
          {
            weight: 1,
            arbitrary: fc.uniqueArray(fc.constantFrom(...POOL, ...BAD_TOPICS, 'forbidden:1'), {
              maxLength: 3,
            }),
          },
        ),
        method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'POST'),
        via: fc.constantFrom<FuzzRequest['via']>('http', 'fetch', 'raw'),
        origin: fc.constantFrom(ORIGIN, ORIGIN, 'https://evil.example', undefined),
      })
      .map(buildCase)
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await marker()
        check(ctx, c, await send(new URL(running.url), c.req, REQUEST_CEILING_MS))
      }),
      runs(RUNS.connect),
    )
  }, 300_000)

  it('POST /v1/subscribe: a connection never gets a topic its token does not grant', async () => {
    const caseArb = fc.record({
      topics: fc.uniqueArray(
        fc.constantFrom(...POOL, 'member:ann/$presence', 'forbidden:1', 'p:1/$viewers'),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      unsubscribe: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ topics, unsubscribe }) => {
        await marker()
        const connectionId = limited.connectionId()
        const path = unsubscribe ? '/v1/unsubscribe' : '/v1/subscribe'
        const res = await fetch(`${running.url}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ connectionId, topics }),
        })
        const body = (await res.json()) as { topics?: string[]; error?: { code: string } }
        const where = `${path} ${JSON.stringify(topics)} -> ${res.status} ${JSON.stringify(body)}`
        const ok = topics.every((t) => granted(limitedClaim, t) && !t.startsWith('forbidden'))
        // unsubscribing needs no grant
        expect(res.status, where).toBe(unsubscribe || ok ? 200 : 403)
        if (res.status === 403) {
          expect(body.error?.code, where).toBe('forbidden')
          expect(res.headers.get('www-authenticate'), where).toBe(`${REALM}, error="insufficient_scope"`)
        }
        // whatever happened, everything the connection holds is granted by its claim
        const held = [...(running.lw.frontend.find(connectionId)?.topics ?? [])]
        expect(
          held.filter((t) => !granted(limitedClaim, t)),
          where,
        ).toEqual([])
        bump(ctx, `${path} ${res.status}`)
      }),
      runs(RUNS.subscribe),
    )
  }, 300_000)

  it('the witness got exactly the markers; nothing leaked; the codes seen are documented', async () => {
    expect(cases).toBe(RUNS.connect + RUNS.subscribe)
    await vi.waitFor(() => expect(witness.data().length).toBe(markers.length), { timeout: 5_000 })
    expect(witness.data().map((e) => e.data)).toEqual(markers.map((marker) => ({ marker })))
    expect(witness.ended || limited.ended).toBe(false)
    // the fuzz's own streams are closed once their preamble came: only the witness and the limited one stay
    await vi.waitFor(async () => expect(await metric(running.lw, 'likewire_connections')).toBe(2), {
      timeout: 10_000,
    })
    const seen = [...ctx.seen.keys()].filter((k) => k.startsWith('code ')).map((k) => k.slice(5))
    expect(seen).toEqual(expect.arrayContaining(['unauthorized', 'token_expired', 'invalid_request']))
    expect(seen.filter((code) => !documented.has(code))).toEqual([])
    expect(ctx.seen.get('stream (valid)') ?? 0).toBeGreaterThan(10)
  }, 60_000)
})
