import fc from 'fast-check'
import { topicArb } from './arbitraries'
import { lastEventIdArb, recoveryQueryArb } from './history-arbitraries'
import type { FuzzRequest } from './http'
import { ALLOWED_ORIGIN, API_KEY, ROUTES, STANDARD_METHODS, UNKNOWN_PATHS } from './setup'

// Request parts other than bodies: header values, queries, paths, methods, hosts and framing.

const latin1 = fc.string({
  unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 8,
})
const controls = fc.string({
  unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 4,
})
const oddValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: latin1 },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), controls).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 4_000 }).map((n) => 'a'.repeat(n)) },
)
const headerName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'), minLength: 1, maxLength: 12 }),
  },
  { weight: 1, arbitrary: fc.constantFrom('X Bad', 'X:y', 'X\u00e9', 'X(y)', 'X\ty') },
)
/** Headers the server reads, with values right and wrong; `known` are epochs topics really have. */
const namedHeader = (known: readonly string[]): fc.Arbitrary<[string, string]> =>
  fc.oneof(
    fc.tuple(
      fc.constant('Origin'),
      fc.oneof(
        fc.constantFrom(
          ALLOWED_ORIGIN,
          ALLOWED_ORIGIN,
          'https://evil.example',
          'null',
          '',
          'https://app.example.evil',
          'HTTPS://APP.EXAMPLE',
          `${ALLOWED_ORIGIN}, https://evil.example`,
        ),
        oddValue,
      ),
    ),
    fc.tuple(
      fc.constant('Authorization'),
      fc.oneof(
        fc.constantFrom(
          `Bearer ${API_KEY}`,
          `bearer ${API_KEY}`,
          `Bearer ${API_KEY}x`,
          `Bearer  ${API_KEY} `,
          'Bearer',
          'Bearer ',
          'Basic Zm9vOmJhcg==',
          `Bearer ${API_KEY.slice(0, -1)}`,
        ),
        oddValue,
      ),
    ),
    fc.tuple(fc.constant('Last-Event-ID'), oddValue),
    fc.tuple(fc.constant('Last-Event-ID'), lastEventIdArb(known)),
    fc.tuple(
      fc.constant('Accept'),
      fc.constantFrom('text/event-stream', '*/*', 'application/json', '', 'x/y;q=0'),
    ),
    fc.tuple(
      fc.constant('Content-Type'),
      fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        '',
      ),
    ),
    fc.tuple(fc.constant('Content-Encoding'), fc.constantFrom('gzip', 'br', 'deflate')),
    fc.tuple(fc.constant('Cookie'), oddValue),
    fc.tuple(fc.constant('Cache-Control'), fc.constantFrom('no-cache', 'max-age=0', '')),
    fc.tuple(fc.constant('X-Fuzz-Deny'), fc.constant('1')),
    fc.tuple(fc.constant('Access-Control-Request-Method'), fc.constantFrom('POST', 'GET', 'DELETE', '')),
    fc.tuple(
      fc.constant('Access-Control-Request-Headers'),
      fc.constantFrom('authorization', 'content-type,last-event-id', 'x-evil'),
    ),
    fc.tuple(
      headerName.map((n) => `X-${n}`),
      oddValue,
    ),
  )
const headerArb = (known: readonly string[]) =>
  fc.oneof(
    { weight: 40, arbitrary: namedHeader(known) },
    // past Node's 16 KiB header limit on its own
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constant('X-Big'),
        fc.integer({ min: 16_000, max: 20_000 }).map((n) => 'b'.repeat(n)),
      ),
    },
  )
export const headersArb = (known: readonly string[]) => fc.array(headerArb(known), { maxLength: 5 })

// '?topics=' with encoded, raw, malformed and oversized lists, sometimes asking for recovery too
export function queryArb(known: readonly string[]): fc.Arbitrary<string> {
  const item = fc
    .tuple(topicArb, fc.constantFrom('encode', 'raw', 'all'))
    .map(([t, how]) =>
      how === 'encode'
        ? encodeURIComponent(t)
        : how === 'raw'
          ? t
          : [...Buffer.from(t)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    )
  const list = fc
    .tuple(fc.array(item, { maxLength: 5 }), fc.constantFrom(',', ',', ',,', '%2C', ', '))
    .map(([items, sep]) => `?topics=${items.join(sep)}`)
  const recovering = fc
    .tuple(list, recoveryQueryArb(known), fc.option(recoveryQueryArb(known)))
    .map(([topics, a, b]) => `${topics}${a}${b ?? ''}`)
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 6, arbitrary: list },
    { weight: 3, arbitrary: recovering },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '?topics',
        '?topics=',
        '?topics=&topics=a',
        '?topics=a&topics=b',
        '?topics=%',
        '?topics=%zz',
        '?topics=%ff',
        '?topics=%C3%28',
        '?topics=%ED%A0%80',
        '?topics=a%00',
        '?topics=a+b',
        '?TOPICS=a',
        '?topics[]=a',
        '?topics=a,b,c,d',
        '?topics=a,,b',
        '?topics=,',
        `?topics=${'a,'.repeat(2000)}`,
        `?topics=${'z'.repeat(5000)}`,
        '?topics=h:1,h:1&resume=h:1~e~1,h:1~e~2',
        '?topics=h:1&rewind=h:1~3&resume=h:1~e~0',
        '?resume=h:1~e~1',
        '?topics=h:1&resume=h:1~e~1&topics=h:2',
        '?topics=a/$viewers,a',
        '?topics=forbidden:1',
        '?topics=é',
        '?topics=a#b',
        '??topics=a',
        '?topics=a;b',
      ),
    },
  )
}

const PATH_VARIANTS = (path: string): string[] => [
  path,
  `${path}/`,
  `/${path}`,
  path.toUpperCase(),
  `${path}%2F`,
  path.replace('/v1/', '/v1/./'),
  path.replace('/v1/', '/v1/x/../'),
  path.replace(/[a-z]$/, (ch) => `%${ch.charCodeAt(0).toString(16)}`),
  `${path};x`,
  `${path}%00`,
  `${path}\\`,
  `${path}#frag`,
  `${path}?`,
  `http://127.0.0.1${path}`,
]
export const pathArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(ROUTES)) },
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(ROUTES).flatMap(PATH_VARIANTS)) },
  { weight: 2, arbitrary: fc.constantFrom(...UNKNOWN_PATHS, '', '*', 'v1/connect', '/v1/connect\u00e9') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) => `/${s}`) },
)
export const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...STANDARD_METHODS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('get', 'Post', 'PROPFIND', 'PURGE', 'FOO', 'GET ', 'CONNECT', 'M-SEARCH'),
  },
)
export const viaArb = fc.constantFrom<FuzzRequest['via']>('http', 'http', 'fetch', 'raw')
export const hostArb = fc.constantFrom(
  '',
  'a b',
  'évil',
  '[::1',
  'x:99999',
  '127.0.0.1:1/evil',
  'h\\x',
  'localhost',
  '@x',
)
export const framingArb = fc.constantFrom<NonNullable<FuzzRequest['framing']>>(
  'honest',
  'honest',
  'honest',
  'chunked',
  'bad-chunked',
  'short',
  'long',
  'none',
)
