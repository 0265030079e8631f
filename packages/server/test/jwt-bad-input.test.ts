// Every bad token at connect gets a 4xx with a stable code, its Bearer challenge and CORS, never a 5xx.
import { createHmac } from 'node:crypto'
import { openStream } from '@likewire/testkit'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'
import { handMade, type KeyPair, keyPair, nowSeconds, SECRET, token, unsecuredToken } from './tokens'

const ORIGIN = 'https://app.example'
const REALM = 'Bearer realm="likewire"'
const INVALID = `${REALM}, error="invalid_token"`
const EXPIRED = `${REALM}, error="invalid_token", error_description="token expired"`

interface Expected {
  status: number
  code: string
  challenge?: string | null
}
const unauthorized: Expected = { status: 401, code: 'unauthorized', challenge: INVALID }

let hs: Running
let rs: Running
let rsa: KeyPair
beforeAll(async () => {
  rsa = await keyPair('RS256')
  const cors = { origins: [ORIGIN] }
  hs = await startLikewire({
    auth: { jwt: { secret: SECRET, issuer: 'https://id.example', audience: 'likewire' } },
    cors,
  })
  rs = await startLikewire({ auth: { jwt: { publicKey: rsa.pem } }, cors })
})
afterAll(async () => {
  await hs?.close()
  await rs?.close()
})

/** Claims the HS256 server accepts; each case spoils one thing. */
const good = (extra: Record<string, unknown> = {}) => ({
  sub: 'ann',
  iss: 'https://id.example',
  aud: 'likewire',
  exp: nowSeconds() + 600,
  ...extra,
})

async function expectRefused(
  server: Running,
  headers: Record<string, string>,
  query: string,
  expected: Expected,
) {
  const res = await fetch(`${server.url}/v1/connect${query}`, { headers: { Origin: ORIGIN, ...headers } })
  const text = await res.text()
  expect(res.status, text).toBe(expected.status)
  expect(JSON.parse(text)).toEqual({ error: { code: expected.code, message: expect.any(String) } })
  if (expected.challenge !== undefined) expect(res.headers.get('www-authenticate')).toBe(expected.challenge)
  expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
  return JSON.parse(text).error.message as string
}

describe('bad tokens at connect (HS256 server with issuer and audience)', () => {
  const cases: Array<[string, () => Promise<string> | string, Expected]> = [
    ['garbage', () => 'abc', unauthorized],
    ['three empty parts', () => '..', unauthorized],
    ['not base64', () => '%%%.***.$$$', unauthorized],
    ['a header that is not JSON', () => `${Buffer.from('{').toString('base64url')}.e30.sig`, unauthorized],
    ['a JWE-shaped token (five parts)', () => 'a.b.c.d.e', unauthorized],
    ['oversized (past 8 KiB)', () => token(good({ pad: 'x'.repeat(9000) })), unauthorized],
    [
      'wrongly signed',
      () => token(good(), { secret: new TextEncoder().encode('x'.repeat(40)) }),
      unauthorized,
    ],
    ['a signature cut short', async () => (await token(good())).slice(0, -5), unauthorized],
    ['alg: none', () => unsecuredToken(good()), unauthorized],
    [
      'alg: none, signature kept',
      async () => `${unsecuredToken(good())}${(await token(good())).split('.')[2]}`,
      unauthorized,
    ],
    ['HS512 (an algorithm not allowed)', () => handMadeAlg('HS512', good()), unauthorized],
    [
      'expired',
      () => token(good({ exp: nowSeconds() - 10 })),
      { status: 401, code: 'token_expired', challenge: EXPIRED },
    ],
    ['not yet valid (nbf)', () => token(good({ nbf: nowSeconds() + 600 })), unauthorized],
    ['exp of the wrong type', () => handMade({ alg: 'HS256' }, good({ exp: 'tomorrow' })), unauthorized],
    ['wrong issuer', () => token(good({ iss: 'https://evil.example' })), unauthorized],
    ['no issuer', () => token(good({ iss: undefined })), unauthorized],
    ['wrong audience', () => token(good({ aud: 'other' })), unauthorized],
    ['no sub', () => handMade({ alg: 'HS256' }, { ...good(), sub: undefined }), unauthorized],
    ['sub not a string', () => handMade({ alg: 'HS256' }, good({ sub: 42 })), unauthorized],
    ['sub empty', () => token(good({ sub: '' })), unauthorized],
    ['sub with a newline', () => token(good({ sub: 'ann\nevent: forged' })), unauthorized],
    ['sub with a NUL', () => token(good({ sub: 'ann\u0000' })), unauthorized],
    ['sub with a C1 control', () => token(good({ sub: 'ann\u0085' })), unauthorized],
    ['sub of 129 characters', () => token(good({ sub: 'x'.repeat(129) })), unauthorized],
    ['topics a string', () => token(good({ topics: 'room:1' })), unauthorized],
    ['topics an object', () => token(good({ topics: { room: 1 } })), unauthorized],
    ['topics with a number', () => token(good({ topics: ['room:1', 2] })), unauthorized],
    ['topics null', () => handMade({ alg: 'HS256' }, good({ topics: null })), unauthorized],
    ['claims that are not an object', () => handMade({ alg: 'HS256' }, ['sub', 'ann']), unauthorized],
  ]

  it.each(cases)('%s: in the header', async (_name, make, expected) => {
    await expectRefused(hs, { Authorization: `Bearer ${await make()}` }, '', expected)
  })

  it.each(cases)('%s: in access_token', async (_name, make, expected) => {
    await expectRefused(hs, {}, `?access_token=${encodeURIComponent(await make())}`, expected)
  })

  it('a message names the check, never the token or its claims', async () => {
    const t = await token(good({ sub: 'secret-member\n' }))
    const message = await expectRefused(hs, { Authorization: `Bearer ${t}` }, '', unauthorized)
    expect(message).not.toContain(t.split('.')[1])
    expect(message).not.toContain('secret-member')
  })

  it('the token that passes them all is accepted (the cases above fail for their one reason)', async () => {
    // other claims are the app's, opaque to Likewire however deep they nest
    const deep = JSON.parse(`${'['.repeat(2000)}${']'.repeat(2000)}`)
    for (const t of [await token(good()), await handMade({ alg: 'HS256' }, good({ deep }))]) {
      const stream = await openStream(`${hs.url}/v1/connect`, { Authorization: `Bearer ${t}` })
      expect(stream.status).toBe(200)
      await vi.waitFor(() => stream.connectionId())
      stream.close()
    }
  })
})

describe('no token, two tokens, other schemes', () => {
  const missing: Expected = { status: 401, code: 'unauthorized', challenge: REALM }
  it.each([
    ['no token at all', {}, '', missing],
    ['an empty access_token', {}, '?access_token=', missing],
    ['Bearer with nothing after it', { Authorization: 'Bearer ' }, '', missing],
    ['another scheme', { Authorization: 'Basic YW5uOnB3' }, '', missing],
    ['a huge header', { Authorization: `Bearer ${'a'.repeat(12_000)}` }, '', unauthorized],
    // read in one pass: 8 KiB of blanks inside the token once cost a backtracking pattern 300 ms a request
    ['8 KiB of spaces in the token', { Authorization: `Bearer a${' '.repeat(8180)}b` }, '', unauthorized],
    ['8 KiB of spaces and tabs', { Authorization: `Bearer ${' \t'.repeat(4090)}a` }, '', unauthorized],
    ['8 KiB of spaces after the scheme', { Authorization: `Bearer ${' '.repeat(8190)}` }, '', missing],
    ['a huge access_token', {}, `?access_token=${'a'.repeat(12_000)}`, unauthorized],
  ] as Array<[string, Record<string, string>, string, Expected]>)(
    '%s',
    async (_name, headers, query, expected) => {
      await expectRefused(hs, headers, query, expected)
    },
  )

  it('a token given twice (header and query, or the query twice) is 400 invalid_request', async () => {
    const t = await token(good())
    await expectRefused(hs, { Authorization: `Bearer ${t}` }, `?access_token=${t}`, {
      status: 400,
      code: 'invalid_request',
      challenge: null,
    })
    await expectRefused(hs, {}, `?access_token=${t}&access_token=${t}`, {
      status: 400,
      code: 'invalid_request',
      challenge: null,
    })
  })
})

describe('bad tokens at an RS256 server', () => {
  it('refuses HS256 signed with the public key itself (algorithm confusion)', async () => {
    const confused = await token({ sub: 'ann' }, { secret: new TextEncoder().encode(rsa.pem) })
    await expectRefused(rs, { Authorization: `Bearer ${confused}` }, '', unauthorized)
  })

  it('refuses alg: none, another RSA key, and an ES256 token', async () => {
    for (const bad of [
      unsecuredToken({ sub: 'ann' }),
      await token({ sub: 'ann' }, { key: await keyPair('RS256') }),
      await token({ sub: 'ann' }, { key: await keyPair('ES256') }),
    ])
      await expectRefused(rs, { Authorization: `Bearer ${bad}` }, '', unauthorized)
  })
})

/** A token with any `alg` in its header, signed with HMAC-SHA512 by hand. */
function handMadeAlg(alg: string, payload: unknown): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const body = `${b64({ alg })}.${b64(payload)}`
  return `${body}.${createHmac('sha512', SECRET).update(body).digest('base64url')}`
}
