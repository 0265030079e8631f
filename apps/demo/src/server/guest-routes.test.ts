import { jwtVerify, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../shared/api.js'
import { GUEST_ID_PATTERN, nameProblem } from '../shared/rules.js'
import { GUEST_TOKEN_AUDIENCE, GUEST_TOKEN_ISSUER, GUEST_TOKEN_TTL_MS } from './guest.js'
import { postInit, TEST_SECRET, testApp } from './test-app.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function setup(options: Parameters<typeof testApp>[0] = {}) {
  const app = testApp(options)
  cleanups.push(app.close)
  return app
}

const secret = new TextEncoder().encode(TEST_SECRET)
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string } }).error.code

/** A token signed with the test secret, with these claims over a valid guest's. */
async function signed(claims: Record<string, unknown>, key: Uint8Array = secret) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ name: 'Ann', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject((claims.sub as string | undefined) ?? 'guest:AAAAAAAAAAAAAAAAAAAAAA')
    .setIssuer((claims.iss as string | undefined) ?? GUEST_TOKEN_ISSUER)
    .setAudience((claims.aud as string | undefined) ?? GUEST_TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key)
}

describe('POST /api/guest', () => {
  it('makes a guest: a random member id, the name asked for, its key, and a 15 min HS256 token for Likewire', async () => {
    const { guest } = setup()
    const { response, session } = await guest({ name: '  Priya ' })
    expect(response.status).toBe(201)
    expect(session.guest).toEqual({ id: expect.stringMatching(GUEST_ID_PATTERN), name: 'Priya' })
    expect(session.key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const { payload, protectedHeader } = await jwtVerify(session.token, secret, {
      issuer: GUEST_TOKEN_ISSUER,
      audience: GUEST_TOKEN_AUDIENCE,
    })
    expect(protectedHeader.alg).toBe('HS256')
    expect(payload).toMatchObject({ sub: session.guest.id, name: 'Priya', topics: ['video:*', 'member:*'] })
    expect(session.expiresAt).toBe((payload.exp ?? 0) * 1000)
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(GUEST_TOKEN_TTL_MS / 1000)
    // another guest is another member
    expect((await guest({ name: 'Priya' })).session.guest.id).not.toBe(session.guest.id)
  })

  it('names a guest who chose no name', async () => {
    const { guest } = setup()
    for (const body of [undefined, {}]) {
      const { response, session } = await guest(body)
      expect(response.status).toBe(201)
      expect(nameProblem(session.guest.name)).toBeNull()
    }
  })

  it('renews a guest’s token with its key: the same member, the name kept or changed', async () => {
    const { guest, request } = setup()
    const first = (await guest({ name: 'Priya' })).session
    const renewed = await guest({ id: first.guest.id, key: first.key })
    expect(renewed.response.status).toBe(200)
    expect(renewed.session.guest).toEqual(first.guest)
    expect(renewed.session.key).toBe(first.key)
    const { payload } = await jwtVerify(renewed.session.token, secret)
    expect(payload.sub).toBe(first.guest.id)

    const renamed = await guest({ id: first.guest.id, key: first.key, name: 'Priya K.' })
    expect(renamed.session.guest).toEqual({ id: first.guest.id, name: 'Priya K.' })
    expect((await jwtVerify(renamed.session.token, secret)).payload.name).toBe('Priya K.')
    const names = await request(`/api/guests?id=${encodeURIComponent(first.guest.id)}`)
    expect(await names.json()).toEqual({ guests: [{ id: first.guest.id, name: 'Priya K.' }] })
  })

  it('refuses a renewal whose key is not this guest’s: 403 unknown_guest, and nothing renamed', async () => {
    const { guest, request } = setup()
    const priya = (await guest({ name: 'Priya' })).session
    const marco = (await guest({ name: 'Marco' })).session
    // another guest's key, a made-up key, and a key from a server with another secret
    const other = setup({ guests: { secret: 'another secret, thirty-two bytes or more' } })
    const foreign = (await other.guest({ name: 'Priya' })).session
    for (const key of [marco.key, 'x'.repeat(43), '', foreign.key]) {
      const { response, error } = await guest({ id: priya.guest.id, key, name: 'Mallory' })
      expect(response.status).toBe(403)
      expect(error).toBe('unknown_guest')
    }
    expect((await guest({ id: foreign.guest.id, key: foreign.key })).error).toBe('unknown_guest')
    const names = await request(`/api/guests?id=${encodeURIComponent(priya.guest.id)}`)
    expect(await names.json()).toEqual({ guests: [{ id: priya.guest.id, name: 'Priya' }] })
  })

  const id = 'guest:AAAAAAAAAAAAAAAAAAAAAA'
  it.each([
    ['a JSON array', 400, 'invalid_guest', '[]'],
    ['a string', 400, 'invalid_guest', '"Priya"'],
    ['malformed JSON', 400, 'invalid_json', '{"name":'],
    ['an id without its key', 400, 'invalid_guest', JSON.stringify({ id })],
    ['a key without an id', 400, 'invalid_guest', '{"key":"abc"}'],
    ['an id that is no guest id', 400, 'invalid_guest', '{"id":"admin","key":"abc"}'],
    ['an id with a control character', 400, 'invalid_guest', JSON.stringify({ id: `${id}\n`, key: 'abc' })],
    ['a key that is not a string', 400, 'invalid_guest', JSON.stringify({ id, key: 5 })],
    ['a huge key', 400, 'invalid_guest', JSON.stringify({ id, key: 'k'.repeat(500) })],
    ['a name that is not a string', 400, 'invalid_guest', '{"name":["Priya"]}'],
    ['an empty name', 422, 'invalid_name', '{"name":"  "}'],
    ['a name over 40 characters', 422, 'invalid_name', JSON.stringify({ name: 'x'.repeat(41) })],
    ['a name with a line break', 422, 'invalid_name', '{"name":"Priya\\nadmin: yes"}'],
    ['a name with a NUL', 422, 'invalid_name', '{"name":"Pri\\u0000ya"}'],
    ['a name with a C1 control', 422, 'invalid_name', '{"name":"Pri\\u0085ya"}'],
    ['a name with a right-to-left override', 422, 'invalid_name', '{"name":"\\u202Egnp.exe"}'],
    ['a name with a lone surrogate half', 422, 'invalid_name', '{"name":"Pri\\ud800ya"}'],
    ['a huge body', 413, 'payload_too_large', JSON.stringify({ name: 'x'.repeat(20_000) })],
  ])('refuses %s: %i %s', async (_name, status, code, body) => {
    const { request } = setup()
    const response = await request('/api/guest', postInit(body))
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } })
  })

  it('keeps hostile-looking names as they are: they are text, escaped where shown', async () => {
    const { guest } = setup()
    for (const name of ['<img src=x onerror="alert(1)">', '"; DROP TABLE guests; --', 'Zoë 👩‍💻 {{name}}']) {
      const { response, session } = await guest({ name })
      expect(response.status).toBe(201)
      expect(session.guest.name).toBe(name)
      expect((await jwtVerify(session.token, secret)).payload.name).toBe(name)
    }
  })
})

describe('GET /api/guests', () => {
  it('gives the names of the known guests among the ids asked for', async () => {
    const { guest, request } = setup()
    const priya = (await guest({ name: 'Priya' })).session.guest
    const marco = (await guest({ name: 'Marco' })).session.guest
    const unknown = 'guest:BBBBBBBBBBBBBBBBBBBBBB'
    const query = [priya.id, unknown, marco.id, priya.id]
      .map((id) => `id=${encodeURIComponent(id)}`)
      .join('&')
    const response = await request(`/api/guests?${query}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ guests: [priya, marco] })
    expect(await (await request('/api/guests')).json()).toEqual({ guests: [] })
  })

  it.each([
    ['an id that is no guest id', 'invalid_guest_id', 'id=admin'],
    [
      'an id with a control character',
      'invalid_guest_id',
      `id=${encodeURIComponent('guest:AAAAAAAAAAAAAAAAAAAAAA\u0000')}`,
    ],
    [
      'more than 20 ids',
      'too_many_guests',
      Array.from({ length: 21 }, (_, i) => `id=guest:${String(i).padStart(22, 'A')}`).join('&'),
    ],
  ])('refuses %s with 400 %s', async (_name, code, query) => {
    const { request } = setup()
    const response = await request(`/api/guests?${query}`)
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toBe(code)
  })
})

describe('POST /api/videos/:id/comments as a guest', () => {
  it('carries the token’s member id and name, whatever else the page has; restating them is fine', async () => {
    const { guest, request, published } = setup()
    const bob = (await guest({ name: 'Bob' })).session
    const response = await request(
      '/api/videos/red/comments',
      postInit(JSON.stringify({ text: 'hi', memberId: bob.guest.id, author: ' Bob ' }), {
        Authorization: `Bearer ${bob.token}`,
      }),
    )
    expect(response.status).toBe(201)
    const { comment } = (await response.json()) as { comment: Record<string, unknown> }
    expect(comment).toMatchObject({ memberId: bob.guest.id, author: 'Bob', text: 'hi' })
    expect(published).toEqual([{ topic: topics.comments('red'), data: comment }])
    // a rename shows on the comments that follow
    const renamed = (await guest({ id: bob.guest.id, key: bob.key, name: 'Robert' })).session
    const next = await request(
      '/api/videos/red/comments',
      postInit('{"text":"again"}', { Authorization: `bearer ${renamed.token}` }),
    )
    expect(await next.json()).toMatchObject({ comment: { memberId: bob.guest.id, author: 'Robert' } })
  })

  it('refuses a comment that claims another member, even one that exists: 403 identity_mismatch', async () => {
    const { guest, request, published } = setup()
    const bob = (await guest({ name: 'Bob' })).session
    const ann = (await guest({ name: 'Ann' })).session
    for (const body of [
      { text: 'hi', memberId: ann.guest.id },
      { text: 'hi', author: 'Ann' },
      { text: 'hi', memberId: ann.guest.id, author: 'Ann' },
    ]) {
      const response = await request(
        '/api/videos/red/comments',
        postInit(JSON.stringify(body), { Authorization: `Bearer ${bob.token}` }),
      )
      expect(response.status).toBe(403)
      expect(await errorOf(response)).toBe('identity_mismatch')
    }
    expect(published).toEqual([])
  })

  const challenge = 'Bearer realm="likewire-demo"'
  const invalid = `${challenge}, error="invalid_token"`
  const bearer = async (claims: Record<string, unknown>, key?: Uint8Array) =>
    `Bearer ${await signed(claims, key)}`
  const unsigned = () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const exp = Math.floor(Date.now() / 1000) + 600
    const claims = {
      sub: 'guest:AAAAAAAAAAAAAAAAAAAAAA',
      name: 'Ann',
      iss: GUEST_TOKEN_ISSUER,
      aud: GUEST_TOKEN_AUDIENCE,
      exp,
    }
    return `Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`
  }
  it.each<[string, string, () => Promise<string | undefined> | string | undefined]>([
    ['no Authorization header', challenge, () => undefined],
    ['another scheme', challenge, () => 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'],
    ['a malformed token', invalid, () => 'Bearer not.a.jwt'],
    ['a token over 8 KiB', invalid, () => `Bearer ${'a'.repeat(9000)}`],
    [
      'a token signed with another secret',
      invalid,
      () => bearer({}, new TextEncoder().encode('x'.repeat(32))),
    ],
    ['an unsigned token (alg none)', invalid, unsigned],
    ['a token of another issuer', invalid, () => bearer({ iss: 'elsewhere' })],
    ['a token for another audience', invalid, () => bearer({ aud: 'likewire' })],
    ['a token whose sub is no guest id', invalid, () => bearer({ sub: 'admin' })],
    ['a token without a name', invalid, () => bearer({ name: undefined })],
    ['a token whose name has a line break', invalid, () => bearer({ name: 'A\nB' })],
  ])('refuses %s: 401 unauthorized (%s), and publishes nothing', async (_name, header, authorization) => {
    const { request, published } = setup()
    const given = await authorization()
    const response = await request(
      '/api/videos/red/comments',
      postInit('{"text":"hi"}', given === undefined ? {} : { Authorization: given }),
    )
    expect(response.status).toBe(401)
    expect(await errorOf(response)).toBe('unauthorized')
    expect(response.headers.get('www-authenticate')).toBe(header)
    expect(published).toEqual([])
  })

  it('refuses an expired token: 401 token_expired, which the page answers with a fresh token', async () => {
    // the same secret, a clock 20 minutes back: its 15 min token expired 5 minutes ago
    const past = setup({ guests: { now: () => Date.now() - 20 * 60_000 } })
    const { session } = await past.guest({ name: 'Ann' })
    const { request, published } = setup()
    const response = await request(
      '/api/videos/red/comments',
      postInit('{"text":"hi"}', { Authorization: `Bearer ${session.token}` }),
    )
    expect(response.status).toBe(401)
    expect(await errorOf(response)).toBe('token_expired')
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="likewire-demo", error="invalid_token", error_description="token expired"',
    )
    expect(published).toEqual([])
    // renewing with the guest's key gives a token that posts
    const fresh = await setup().guest({ id: session.guest.id, key: session.key })
    const again = await request(
      '/api/videos/red/comments',
      postInit('{"text":"hi"}', { Authorization: `Bearer ${fresh.session.token}` }),
    )
    expect(again.status).toBe(201)
  })
})
