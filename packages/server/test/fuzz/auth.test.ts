// Property-based fuzz of tokens at connect and of subscribes judged by a token's topics claim: seeded,
// a few hundred cases per server. Whatever the token, the answer is 200 or a documented 4xx with its
// code, challenge and CORS, never a 5xx or a hang, and a witness stream is unharmed.
import { createPrivateKey } from 'node:crypto'
import { openStream, type Stream } from '@likewire/testkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { LikewireOptions } from '../../src/options'
import { metric, type Running, startLikewire } from '../helpers'
import { buildCase, bump, type Ctx, check, ORIGIN, placementArb, REALM } from './auth-cases'
import {
  AUDIENCE,
  BAD_TOPICS,
  ec,
  es256,
  granted,
  hs256,
  ISSUER,
  jwt,
  POOL,
  type Signer,
  stranger,
  tokenArb,
} from './auth-tokens'
import { type FuzzRequest, send } from './http'
import { documented, REQUEST_CEILING_MS, SEED } from './setup'

const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
const RUNS = { connect: 300 * SCALE, subscribe: 150 * SCALE }
const MARKER_EVERY = 25
const HS_SECRET = 'fuzz-secret-of-at-least-thirty-two-bytes'
const WITNESS_TOPIC = 'witness:1'

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
