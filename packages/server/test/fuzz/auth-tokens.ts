// Tokens for the token fuzz (auth.test.ts), signed synchronously (arbitraries are), and the rules the
// oracle judges them by, written apart from the server's.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import fc from 'fast-check'

export const ISSUER = 'https://id.example'
export const AUDIENCE = 'likewire'

export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url')
export const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
export const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

export interface Signer {
  alg: 'HS256' | 'ES256'
  sign(body: string): string
}
export const hs256 = (secret: string): Signer => ({
  alg: 'HS256',
  sign: (body) => createHmac('sha256', secret).update(body).digest('base64url'),
})
export const es256 = (key: KeyObject): Signer => ({
  alg: 'ES256',
  sign: (body) => sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
})

export function jwt(signer: Signer, payload: unknown, header: Record<string, unknown> = {}): string {
  const body = `${b64({ alg: signer.alg, typ: 'JWT', ...header })}.${b64(payload)}`
  return `${body}.${signer.sign(body)}`
}

// the reference rules

export const isMember = (sub: unknown) =>
  typeof sub === 'string' &&
  sub.length >= 1 &&
  sub.length <= 128 &&
  [...sub].every((ch) => ch.charCodeAt(0) >= 0x20 && !(ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f))
export const TOPIC = /^[A-Za-z0-9_\-:.@/=]{1,200}$/
export const baseOf = (topic: string) => topic.replace(/\/\$(viewers|members|presence)$/, '')
// `member:` is reserved for presence: only `member:<id>/$presence` starts with it
export const validTopic = (topic: string) =>
  TOPIC.test(baseOf(topic)) && topic.startsWith('member:') === topic.endsWith('/$presence')
export const matches = (pattern: string, topic: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  ).test(topic)
export const granted = (claim: string[] | null, topic: string) =>
  claim === null || claim.some((pattern) => matches(pattern, baseOf(topic)))

// arbitraries

export const SUBS = ['ann', 'auth0|5f2a', 'bob@example.com', 'Zoë', '用户', 'a=b', 'x'.repeat(128), '🙂']
export const PATTERNS = ['room:*', 'room:1', 'chat:*:msgs', '*', 'p:*', 'member:*', '', 'q:1']
export const POOL = [
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
export const BAD_TOPICS = [
  'a b',
  '',
  'é',
  '$',
  'room:1/$viewers/$viewers',
  'x'.repeat(201),
  'member:ann',
  'member:ann/$members',
]

export type Kind =
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
export interface Tok {
  kind: Kind
  text: string
  sub?: unknown
  claim?: unknown
}

export const claimArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 3 }) },
)
export const hostileValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('', 'a\nb', '\u0000', '\u0085x', 'x'.repeat(129), 'x'.repeat(128)),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
)

export function tokenArb(signer: Signer, other: Signer): fc.Arbitrary<Tok> {
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
