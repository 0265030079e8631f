import fc from 'fast-check'
import { validTopic, wrongType } from './arbitraries'
import { HISTORY_WITNESS } from './setup'

// Positions, resumes, rewinds and Last-Event-IDs as clients send them, and as they should not.

/** Topics under the history configuration's rule `h:*` (the witness's among them). */
export const HISTORY_POOL = ['h:1', 'h:2', HISTORY_WITNESS] as const

/** Topics a resume or rewind names: history ones, one never used, fire-and-forget ones, and odd names. */
export const recoveryTopic = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HISTORY_POOL) },
  { weight: 2, arbitrary: fc.constantFrom('a', 'p:1', 'b/$viewers', 'h:1/$viewers') },
  { weight: 1, arbitrary: validTopic.map((t) => `h:${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a b', 'h:1~x', 'x'.repeat(201), '__proto__', 'é', 'h:1,h:2') },
)

const EPOCH_CHARS = 'ABCxyz019_-'.split('')
/** Epochs the topics really have (learned at the start of a run), valid ones no topic has, and invalid ones. */
export function epochArb(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    // without history rules no topic has an epoch: a well-formed one stands in
    { weight: 6, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.constant('Gt3uCy8T') },
    {
      weight: 2,
      arbitrary: fc.string({ unit: fc.constantFrom(...EPOCH_CHARS), minLength: 1, maxLength: 32 }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', 'x'.repeat(33), 'a:b', 'a~b', 'a,b', 'é', 'a b', 'a.b', 'NaN', '%41'),
    },
  )
}

// an offset as text (query, Last-Event-ID): near what topics hold, far in the future, and not offsets at all
export const offsetText = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 41, max: 2 ** 31 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '-1',
      '-0',
      '+1',
      '1.5',
      '1e3',
      'NaN',
      'Infinity',
      '',
      ' 1',
      '0x10',
      '007',
      '9007199254740991',
      '9007199254740992',
      '99999999999999999999',
      `1${'0'.repeat(400)}`,
      '１',
    ),
  },
)

// an offset as a JSON token (subscribe body): 1e400 reads as Infinity, 9007199254740993 as 2^53
export const offsetToken = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 41, max: 2 ** 31 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '-1',
      '-0',
      '1.5',
      '1.0',
      '1e3',
      '1e400',
      '-1e400',
      '9007199254740991',
      '9007199254740993',
      '"3"',
      'null',
      'true',
      '[1]',
      '{}',
    ),
  },
)

export const rewindText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0',
      '10000',
      '10001',
      '-1',
      '1.5',
      '',
      '1e2',
      '99999999999999999999',
      '007',
      '+3',
    ),
  },
)
export const rewindToken = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0',
      '10000',
      '10001',
      '-1',
      '1.5',
      '1.0',
      '1e2',
      '1e400',
      '"3"',
      'null',
      '[2]',
    ),
  },
)

/** `topic~epoch~offset` entries, mostly well formed, and the shapes a hand-written client gets wrong. */
export function resumeEntry(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(recoveryTopic, epochArb(known), offsetText)
        .map(([topic, epoch, offset]) => `${topic}~${epoch}~${offset}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '~', '~~', 'h:1~', 'h:1~e', 'h:1~e~1~2', '~e~1', 'h:1~~1', 'h:1~e~'),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(recoveryTopic, epochArb(known)).map(([topic, epoch]) => `${topic}~${epoch}:3`),
    },
  )
}

export const rewindEntry = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(recoveryTopic, rewindText).map(([topic, n]) => `${topic}~${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'h:1', 'h:1~', 'h:1~2~3', '~2', '~') },
)

/** Last-Event-ID values: positions (`<epoch>:<offset>`) of real and unknown epochs, and what is not one. */
export function lastEventIdArb(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(epochArb(known), offsetText).map(([e, o]) => `${e}:${o}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ':', 'x', ':1', 'e:', 'a:b:1', 'Gt3uCy8T2', `${'x'.repeat(4000)}:1`),
    },
  )
}

/** Query parameters that ask for recovery, for the odd-query fuzz: encoded or not, repeated, empty. */
export function recoveryQueryArb(known: readonly string[]): fc.Arbitrary<string> {
  const list = (entry: fc.Arbitrary<string>) =>
    fc
      .tuple(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([entries, encode]) => (encode ? encodeURIComponent(entries.join(',')) : entries.join(',')))
  return fc.oneof(
    { weight: 4, arbitrary: list(resumeEntry(known)).map((v) => `&resume=${v}`) },
    { weight: 3, arbitrary: list(rewindEntry).map((v) => `&rewind=${v}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(list(resumeEntry(known)), list(resumeEntry(known)))
        .map(([a, b]) => `&resume=${a}&resume=${b}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '&resume',
        '&resume=',
        '&rewind=',
        '&RESUME=h:1~e~1',
        '&resume[]=x',
        '&rewind=%zz',
      ),
    },
  )
}

/** Picks a topic of a request's list by number (a name stands for itself), so most entries name one of it. */
export function pickTopic(topics: readonly unknown[], which: number | string): string {
  if (typeof which === 'string') return which
  const named = topics.filter((t): t is string => typeof t === 'string')
  return named[which % Math.max(1, named.length)] ?? 'h:1'
}
const entryTopic = fc.oneof({ weight: 4, arbitrary: fc.nat() }, { weight: 1, arbitrary: recoveryTopic })

/**
 * A subscribe body's `resume` or `rewind` as JSON text, given the body's topics (its keys mostly name one of
 * them): written as text, so tokens JSON.stringify never writes (1e400, -0, 2^53+1) get in.
 */
export function recoveryBodyText(
  known: readonly string[],
  kind: 'resume' | 'rewind',
): fc.Arbitrary<(topics: readonly unknown[]) => string> {
  const epochToken = fc.oneof(
    { weight: 8, arbitrary: epochArb(known).map((e) => JSON.stringify(e)) },
    { weight: 1, arbitrary: fc.constantFrom('1', 'null', '["e"]', '{}') },
  )
  const position = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(epochToken, offsetToken).map(([e, o]) => `{"epoch":${e},"offset":${o}}`),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(epochToken, offsetToken).map(([e, o]) => `{"offset":${o},"epoch":${e},"x":1}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('null', '{}', '{"epoch":"e"}', '{"offset":1}', '[1]', '"e:1"', '3'),
    },
  )
  const value = kind === 'resume' ? position : rewindToken
  const entries = fc
    .array(fc.tuple(entryTopic, value), { maxLength: 3 })
    .map(
      (pairs) => (topics: readonly unknown[]) =>
        `{${pairs.map(([which, v]) => `${JSON.stringify(pickTopic(topics, which))}:${v}`).join(',')}}`,
    )
  const odd = fc.oneof(
    fc.constantFrom('[]', 'null', '"h:1~e~1"', '1', 'true', '[["h:1",1]]'),
    wrongType.map((v) => JSON.stringify(v)),
  )
  return fc.oneof({ weight: 8, arbitrary: entries }, { weight: 1, arbitrary: odd.map((text) => () => text) })
}

/** A subscribe body's `resume` as a JSON value: positions keyed by topic, and values that are not. */
export function resumeValueArb(known: readonly string[]): fc.Arbitrary<unknown> {
  const offset = fc.oneof(
    { weight: 6, arbitrary: fc.nat({ max: 40 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), fc.constant(-1)) },
  )
  const position = fc.oneof(
    { weight: 6, arbitrary: fc.record({ epoch: epochArb(known), offset }) },
    { weight: 1, arbitrary: wrongType },
  )
  return fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(recoveryTopic, position, { maxKeys: 3 }) },
    { weight: 1, arbitrary: wrongType },
  )
}

/** A subscribe body's `rewind` as a JSON value: counts keyed by topic, and values that are not. */
export const rewindValueArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.dictionary(
      recoveryTopic,
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer(), fc.constantFrom(0, 10_000, 10_001, 1.5)),
      { maxKeys: 3 },
    ),
  },
  { weight: 1, arbitrary: wrongType },
)
