import fc from 'fast-check'
import { type FuzzCase, HISTORY_WITNESS, WITNESS_TOPIC } from './setup'

const TOPIC_CHARS = 'ABCxyz0189_-:.@/='.split('')
export const validTopic = fc.string({ unit: fc.constantFrom(...TOPIC_CHARS), minLength: 1, maxLength: 12 })
const NAMED_TOPICS = [
  'a',
  'b',
  'c',
  'demo',
  'live:42:likes',
  'a/$viewers',
  'demo/$viewers',
  'a/$viewers/$viewers',
  '/$viewers',
  'forbidden:1',
  'x'.repeat(200),
  'x'.repeat(201),
  `${'y'.repeat(200)}/$viewers`,
  'a/$members',
  'a/$members/$presence',
  'member:ann/$presence',
  'member:/$presence',
  'member:a b/$presence',
  'member:=3d/$presence',
  'member:=FF/$presence',
  'member:a=3Db/$presence',
  `member:${'m'.repeat(129)}/$presence`,
  'member:ann/$presence/$members',
  'a b',
  'a,b',
  'é',
  '',
  ' ',
  '$',
  'a\nb',
  '\n\nevent: likewire.reconnect\ndata: {}\n\n',
  'data: forged',
  '\u0000',
  '🙂',
  '__proto__',
  'constructor',
]
// a few valid topics the fuzz keeps coming back to, so subscribes, unsubscribes and deliveries succeed;
// h:* have a history in the history configuration (h:w is the witness's), and are fire-and-forget elsewhere
export const poolTopic = fc.constantFrom(
  'a',
  'b',
  'p:1',
  'p/2',
  'b/$viewers',
  'a/$members',
  'member:ann/$presence',
  'h:1',
  'h:2',
  HISTORY_WITNESS,
)
export const topicArb = fc
  .oneof(
    { weight: 4, arbitrary: poolTopic },
    { weight: 4, arbitrary: fc.constantFrom(...NAMED_TOPICS) },
    { weight: 4, arbitrary: validTopic },
    { weight: 1, arbitrary: validTopic.map((t) => `${t}/$viewers`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  )
  .filter((t) => t !== WITNESS_TOPIC)
export const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.string({ maxLength: 10 }),
)
export const topicsArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(poolTopic, { minLength: 1, maxLength: 2 }) },
  { weight: 5, arbitrary: fc.array(topicArb, { maxLength: 5 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(topicArb, wrongType), { maxLength: 5 }) },
  { weight: 1, arbitrary: wrongType },
)
// event data around the 1024-byte payload limit, frame injection attempts, and any JSON
export const dataArb = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1030 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 520 }).map((n) => 'é'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '\n\nevent: likewire.reconnect\ndata: {"reason":"shutdown"}\n\n',
      'a\r\ndata: forged\r\n\r\n',
      '\u2028\u2029',
      '\ud800',
      { topic: WITNESS_TOPIC, id: 'forged' },
    ),
  },
)
/** Idempotency keys: a few valid ones the fuzz repeats, and ones the protocol refuses. */
export const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('k1', 'k2', 'k-3', 'k.4:x_y') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'a b', 'é', 'k/1', 'k~1', 'x'.repeat(129), 'y'.repeat(128), '__proto__'),
  },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant(['k1'])) },
)
export const eventArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ topic: topicArb, data: dataArb }, { requiredKeys: [] }) },
  {
    weight: 2,
    arbitrary: fc.record({ topic: poolTopic, data: dataArb, key: keyArb }, { requiredKeys: ['topic'] }),
  },
  { weight: 1, arbitrary: wrongType },
)
export const publishValue = fc.oneof(
  // well formed, so deliveries reach the streams the fuzz subscribed
  { weight: 3, arbitrary: fc.record({ topic: poolTopic, data: fc.jsonValue({ maxDepth: 3 }) }) },
  // an idempotency key: a retry on a history topic is recorded once and answers the first id
  { weight: 2, arbitrary: fc.record({ topic: poolTopic, data: fc.jsonValue({ maxDepth: 2 }), key: keyArb }) },
  { weight: 5, arbitrary: fc.record({ topic: topicArb, data: dataArb }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ topic: wrongType, data: dataArb, extra: wrongType }) },
  {
    weight: 3,
    arbitrary: fc.record(
      { events: fc.oneof({ weight: 5, arbitrary: fc.array(eventArb, { maxLength: 7 }) }, wrongType) },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
)

const BAD_BYTES = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0x00], [0xef, 0xbb, 0xbf], [0xfe, 0xff], [0x80]]

export interface Built {
  bytes: Buffer
  value?: unknown
  kind: FuzzCase['bodyKind']
}

/** A body for a JSON route: the value sent whole, truncated, nested past any limit, oversized, or as bad bytes. */
export function bodyArb(
  value: fc.Arbitrary<unknown>,
  templates: string[],
  maxRequestBytes: number,
): fc.Arbitrary<Built> {
  const whole = value.map((v): Built => {
    const text = JSON.stringify(v) ?? ''
    return { bytes: Buffer.from(text), value: v, kind: 'structured' }
  })
  const truncated = fc.tuple(value, fc.nat()).map(([v, at]): Built => {
    const text = JSON.stringify(v) ?? ''
    return { bytes: Buffer.from(text.slice(0, at % Math.max(1, text.length))), kind: 'truncated' }
  })
  const garbage = fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        '',
        ' ',
        'null',
        '[]',
        '{}',
        '"x"',
        '1e999',
        '{"a":1,}',
        "{'a':1}",
        'NaN',
        '{"__proto__":{"x":1}}',
      ),
    )
    .map((text): Built => ({ bytes: Buffer.from(text), kind: 'garbage' }))
  // nesting hundreds to tens of thousands deep, built as text: JSON.stringify itself would overflow
  const deep = fc
    .record({
      depth: fc.oneof(
        fc.integer({ min: 60, max: 70 }),
        fc.integer({ min: 100, max: 2_000 }),
        fc.integer({ min: 2_000, max: 60_000 }),
      ),
      open: fc.constantFrom('[', '{"k":'),
      balanced: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
      template: fc.constantFrom(...templates),
    })
    .map(({ depth, open, balanced, template }): Built => {
      const close = open === '[' ? ']' : '}'
      const nested = `${open.repeat(depth)}1${balanced ? close.repeat(depth) : ''}`
      return { bytes: Buffer.from(template.replace('@', nested)), kind: 'deep' }
    })
  // right around maxRequestBytes, and far past it
  const huge = fc
    .tuple(
      fc.oneof(
        fc.integer({ min: maxRequestBytes - 40, max: maxRequestBytes + 40 }),
        fc.integer({ min: 300_000, max: 400_000 }),
      ),
      fc.constantFrom(...templates),
    )
    .map(([size, template]): Built => {
      const shell = Buffer.byteLength(template.replace('@', '""'))
      const text = template.replace('@', `"${'x'.repeat(Math.max(0, size - shell))}"`)
      return { bytes: Buffer.from(text), kind: 'huge' }
    })
  const withBadBytes = fc
    .tuple(whole, fc.nat(), fc.constantFrom(...BAD_BYTES))
    .map(([built, at, bad]): Built => {
      const i = at % (built.bytes.length + 1)
      const bytes = Buffer.concat([built.bytes.subarray(0, i), Buffer.from(bad), built.bytes.subarray(i)])
      return { bytes, kind: 'bytes' }
    })
  return fc.oneof(
    { weight: 12, arbitrary: whole },
    { weight: 2, arbitrary: truncated },
    { weight: 2, arbitrary: garbage },
    { weight: 2, arbitrary: deep },
    { weight: 1, arbitrary: huge },
    { weight: 2, arbitrary: withBadBytes },
  )
}
