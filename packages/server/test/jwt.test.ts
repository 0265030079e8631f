// Identity from tokens against a real server: HS256, RS256, ES256 and a JWKS, the topics claim, the hooks.

import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openStream, post, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { JwtOptions } from '../src/auth/jwt'
import { createLikewire } from '../src/likewire'
import type { LikewireOptions } from '../src/options'
import { type Running, startLikewire } from './helpers'
import { keyPair, SECRET, token } from './tokens'

let server: Running | undefined
const streams: Stream[] = []
let jwks: Server | undefined
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  await server?.close()
  server = undefined
  await new Promise((resolve) => (jwks ? jwks.close(resolve) : resolve(undefined)))
  jwks = undefined
})

async function start(jwt: JwtOptions, options: LikewireOptions = {}) {
  server = await startLikewire({ auth: { jwt }, ...options })
  return server
}

/** Opens a stream with `headers`, resolving once it is connected (or answered with an error). */
async function connect(path: string, headers: Record<string, string> = {}) {
  const stream = await openStream(`${server!.url}${path}`, headers)
  streams.push(stream)
  if (stream.status === 200) await vi.waitFor(() => stream.connectionId())
  return stream
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` })

describe('verified tokens open streams: sub is the member, every key kind', () => {
  it.each(['HS256', 'RS256', 'ES256'] as const)('%s', async (alg) => {
    const key = alg === 'HS256' ? undefined : await keyPair(alg)
    const other = alg === 'HS256' ? undefined : await keyPair(alg)
    const seen: unknown[] = []
    await start(key ? { publicKey: key.pem } : { secret: SECRET }, {
      authorize: (identity) => {
        seen.push(identity)
        return true
      },
    })
    const good = await token({ sub: 'ann', role: 'viewer' }, { key })
    const stream = await connect('/v1/connect?topics=room:1', bearer(good))
    expect(stream.status).toBe(200)
    expect(server!.lw.frontend.find(stream.connectionId())?.memberId).toBe('ann')
    // the hook gets the connection's identity: the member and every claim as signed
    expect(seen).toEqual([
      { memberId: 'ann', claims: expect.objectContaining({ sub: 'ann', role: 'viewer' }) },
    ])

    // the same token in the query works too (plain EventSource cannot set headers)
    const viaQuery = await connect(`/v1/connect?access_token=${good}`)
    expect(viaQuery.status).toBe(200)

    // signed by another key (or secret) of the same kind: refused
    const forged = await token(
      { sub: 'ann' },
      { key: other, secret: new TextEncoder().encode('another-secret-of-at-least-32-bytes') },
    )
    const refused = await fetch(`${server!.url}/v1/connect`, { headers: bearer(forged) })
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
  })

  it('a JWKS: RS256 and ES256 keys chosen by kid; an unknown kid is 401, an unreachable key set 503', async () => {
    const rsa = await keyPair('RS256', 'r1')
    const ec = await keyPair('ES256', 'e1')
    const stranger = await keyPair('ES256', 'e2')
    let fetches = 0
    jwks = createServer((_req, res) => {
      fetches++
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }))
    })
    await new Promise<void>((resolve) => jwks!.listen(0, '127.0.0.1', resolve))
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`
    const aud = 'likewire'
    await start({ jwksUrl, audience: aud })
    for (const key of [rsa, ec]) {
      const stream = await connect('/v1/connect', bearer(await token({ sub: `m-${key.kid}`, aud }, { key })))
      expect(stream.status).toBe(200)
      expect(server!.lw.frontend.find(stream.connectionId())?.memberId).toBe(`m-${key.kid}`)
    }
    expect(fetches).toBe(1) // the key set is cached
    const unknown = await fetch(`${server!.url}/v1/connect`, {
      headers: bearer(await token({ aud }, { key: stranger })),
    })
    expect(unknown.status).toBe(401)
    // signed by the same identity provider for another application (or for none): refused
    for (const claims of [{ aud: 'another-app' }, {}]) {
      const elsewhere = await fetch(`${server!.url}/v1/connect`, {
        headers: bearer(await token(claims, { key: rsa })),
      })
      expect(elsewhere.status).toBe(401)
      expect(((await elsewhere.json()) as { error: { message: string } }).error.message).toContain('"aud"')
    }

    // a key set that cannot be fetched is our side's trouble: 503, worth a retry
    await server!.close()
    const closed = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/gone`
    await new Promise((resolve) => jwks!.close(resolve))
    jwks = undefined
    await start({ jwksUrl: closed, audience: aud })
    const down = await fetch(`${server!.url}/v1/connect`, {
      headers: bearer(await token({ aud }, { key: rsa })),
    })
    expect(down.status).toBe(503)
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('unavailable')
  })

  it('a custom authenticate hook may name the member; any other identity is anonymous', async () => {
    server = await startLikewire({
      authenticate: (request) =>
        request.headers.get('x-user') === 'bob' ? { memberId: 'bob' } : { who: 'x' },
    })
    const bob = await connect('/v1/connect', { 'X-User': 'bob' })
    const anonymous = await connect('/v1/connect')
    expect(server.lw.frontend.find(bob.connectionId())?.memberId).toBe('bob')
    expect(server.lw.frontend.find(anonymous.connectionId())?.memberId).toBeNull()
  })
})

describe('the topics claim, at connect and on every subscribe', () => {
  const claim = { topics: ['room:1', 'chat:*', 'member:*'] }

  it('grants the topics it lists (meta topics as their base) and refuses the others with 403', async () => {
    await start({ secret: SECRET })
    const t = await token(claim)
    for (const topics of ['room:1,chat:42', 'room:1/$viewers,chat:x/$members', 'member:bob/$presence']) {
      const stream = await connect(`/v1/connect?topics=${encodeURIComponent(topics)}`, bearer(t))
      expect(stream.status, topics).toBe(200)
    }
    for (const topics of ['room:2', 'room:1,room:2', 'room:2/$viewers', 'rooms:1', 'chat']) {
      const res = await fetch(`${server!.url}/v1/connect?topics=${encodeURIComponent(topics)}`, {
        headers: { ...bearer(t), Origin: 'https://app.example' },
      })
      expect(res.status, topics).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden')
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="likewire", error="insufficient_scope"')
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
    }
  })

  it('holds on every subscribe of the connection, all or nothing', async () => {
    await start({ secret: SECRET })
    const stream = await connect('/v1/connect?topics=room:1', bearer(await token(claim)))
    const connectionId = stream.connectionId()
    const refused = await fetch(`${server!.url}/v1/subscribe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ connectionId, topics: ['chat:1', 'room:2'] }),
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope')
    expect(((await refused.json()) as { error: { topics: string[] } }).error.topics).toEqual(['room:2'])
    const granted = await post(`${server!.url}/v1/subscribe`, {
      connectionId,
      topics: ['chat:1', 'room:1/$viewers', 'member:ann/$presence'],
    })
    expect(granted.status).toBe(200)
    // nothing of the refused request was subscribed
    expect(granted.body.topics.sort()).toEqual([
      'chat:1',
      'member:ann/$presence',
      'room:1',
      'room:1/$viewers',
    ])
  })

  it('a 403 names every topic the claim refuses (the hook not asked), else the first the hook refuses', async () => {
    const asked: string[] = []
    const authorize = (_identity: unknown, topic: string) => {
      asked.push(topic)
      return !topic.startsWith('chat:9')
    }
    await start({ secret: SECRET }, { authorize })
    const t = await token(claim)
    const refused = async (topics: string) => {
      const res = await fetch(`${server!.url}/v1/connect?topics=${encodeURIComponent(topics)}`, {
        headers: bearer(t),
      })
      expect(res.status).toBe(403)
      return res.json()
    }
    expect(await refused('room:2,room:1,chat:9,chat:1,room:3')).toEqual({
      error: {
        code: 'forbidden',
        message: 'Not allowed to subscribe to "room:2", "room:3"',
        topics: ['room:2', 'room:3'],
      },
    })
    expect(asked).toEqual([])
    // the hook may be a database lookup: asked until its first refusal, no further
    expect(await refused('chat:1,chat:90,chat:91,chat:2')).toEqual({
      error: { code: 'forbidden', message: 'Not allowed to subscribe to "chat:90"', topics: ['chat:90'] },
    })
    expect(asked).toEqual(['chat:1', 'chat:90'])
  })

  it('a member:* grant is presence only: member: is no ordinary topic, to subscribe or to publish', async () => {
    await start({ secret: SECRET })
    const stream = await connect('/v1/connect?topics=room:1', bearer(await token(claim)))
    const connectionId = stream.connectionId()
    for (const topic of ['member:ann', 'member:ann/inbox', 'member:ann/$members', 'member:ann/$viewers']) {
      const connect = await fetch(`${server!.url}/v1/connect?topics=${encodeURIComponent(topic)}`, {
        headers: bearer(await token(claim)),
      })
      expect(connect.status, topic).toBe(400)
      const subscribe = await post(`${server!.url}/v1/subscribe`, { connectionId, topics: [topic] })
      expect(subscribe.status, topic).toBe(400)
      expect(subscribe.body.error.code).toBe('invalid_topic')
      expect(subscribe.body.error.message).toContain('"member:" prefix is reserved for presence topics')
      const publish = await post(`${server!.url}/v1/publish`, { topic, data: 'private' })
      expect(publish.status, topic).toBe(400)
      expect(publish.body.error.code).toBe('invalid_topic')
    }
    await expect(server!.lw.publish('member:ann', 'private')).rejects.toMatchObject({ code: 'invalid_topic' })
    expect([...server!.lw.frontend.find(connectionId)!.topics]).toEqual(['room:1'])
  })

  it('no claim grants any topic; an empty one grants none; the authorize hook still has its say', async () => {
    await start({ secret: SECRET }, { authorize: (_identity, topic) => topic !== 'chat:secret' })
    const free = await connect('/v1/connect?topics=anything,else', bearer(await token()))
    expect(free.status).toBe(200)
    const none = await connect('/v1/connect', bearer(await token({ topics: [] })))
    expect(none.status).toBe(200)
    expect(
      (await post(`${server!.url}/v1/subscribe`, { connectionId: none.connectionId(), topics: ['a'] }))
        .status,
    ).toBe(403)
    const hooked = await fetch(`${server!.url}/v1/connect?topics=chat:secret`, {
      headers: bearer(await token(claim)),
    })
    expect(hooked.status).toBe(403)
  })
})

describe('configuration that cannot work is refused at createLikewire', () => {
  it.each([
    [{ auth: { jwt: {} } }, /exactly one of secret, publicKey or jwksUrl, got none/],
    [{ auth: { jwt: { secret: SECRET, jwksUrl: 'https://x.example/jwks' } } }, /got secret and jwksUrl/],
    [{ auth: { jwt: { secret: 'short' } } }, /at least 32 bytes/],
    [{ auth: { jwt: { publicKey: 'not a key' } } }, /not a PEM public key/],
    [{ auth: { jwt: { jwksUrl: 'nope' } } }, /not a URL/],
    [{ auth: { jwt: { jwksUrl: 'file:///etc/passwd' } } }, /http\(s\) URL/],
    // keys fetched in the clear could be swapped on the way; loopback only
    [{ auth: { jwt: { jwksUrl: 'http://id.example/jwks', audience: 'a' } } }, /must be https:/],
    [{ auth: { jwt: { jwksUrl: 'http://10.0.0.8/jwks', audience: 'a' } } }, /must be https:/],
    [{ auth: { jwt: { jwksUrl: 'http://127.0.0.1.nip.io/jwks', audience: 'a' } } }, /must be https:/],
    // an identity provider's key set signs for every app it serves: the audience says which are ours
    [{ auth: { jwt: { jwksUrl: 'https://id.example/jwks' } } }, /needs auth.jwt.audience/],
    [
      { auth: { jwt: { jwksUrl: 'https://id.example/jwks', issuer: 'https://id.example' } } },
      /needs auth.jwt.audience/,
    ],
    [{ auth: { jwt: { jwksUrl: 'https://id.example/jwks', audience: '' } } }, /needs auth.jwt.audience/],
    [{ auth: { jwt: { jwksUrl: 'https://id.example/jwks', audience: [] } } }, /needs auth.jwt.audience/],
    [{ auth: { jwt: { secret: SECRET } }, authenticate: () => ({}) }, /auth.jwt and the authenticate hook/],
  ] as Array<[LikewireOptions, RegExp]>)('%j', (options, message) => {
    expect(() => createLikewire({ logLevel: 'silent', processMetrics: false, ...options })).toThrow(message)
  })

  it('takes a JWKS over https, or plain http to this machine only, with an audience', async () => {
    for (const jwksUrl of [
      'https://id.example/.well-known/jwks.json',
      'http://localhost:8080/jwks',
      'http://127.0.0.1/jwks',
      'http://127.1.2.3:9/jwks',
      'http://[::1]:8080/jwks',
    ])
      for (const audience of ['likewire', ['likewire', 'likewire-staging']]) {
        const jwt = { jwksUrl, audience }
        const lw = createLikewire({ logLevel: 'silent', processMetrics: false, auth: { jwt } })
        await lw.close()
      }
  })

  it('refuses keys of a kind it would not verify safely', () => {
    const pem = (type: 'rsa' | 'ec' | 'ed25519', extra: object = {}) =>
      // biome-ignore lint/suspicious/noExplicitAny: node's overloads per key type
      (generateKeyPairSync as any)(type, {
        ...extra,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).publicKey as string
    const refuse = (publicKey: string) => () =>
      createLikewire({ logLevel: 'silent', processMetrics: false, auth: { jwt: { publicKey } } })
    expect(refuse(pem('rsa', { modulusLength: 1024 }))).toThrow(/2048 bits or more, got 1024/)
    expect(refuse(pem('ec', { namedCurve: 'secp384r1' }))).toThrow(/RSA key \(RS256\) or a P-256 key/)
    expect(refuse(pem('ed25519'))).toThrow(/RSA key \(RS256\) or a P-256 key/)
  })
})
