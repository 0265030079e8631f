import type { ClientOptions } from './options'
import type { ShareOptions } from './share/share-options'

/** Timers fire at once past 2^31 - 1 ms (Infinity too), so no delay may be longer. */
export const MAX_TIMER_MS = 2 ** 31 - 1

type Check = (value: unknown, name: string) => void

/** What a value is, for a message: never the value whole (a function's source, a huge string). */
function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length}` : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

const refuse = (name: string, expected: string, value: unknown): never => {
  throw new TypeError(`likewire: options.${name} must be ${expected}, got ${describe(value)}`)
}

const fn: Check = (value, name) => {
  if (typeof value !== 'function') refuse(name, 'a function', value)
}

/** A delay in ms a timer can take: from `min` to 2147483647, or Infinity where that means never. */
const ms =
  (min: number, infinity = false): Check =>
  (value, name) => {
    if (infinity && value === Number.POSITIVE_INFINITY) return
    if (typeof value !== 'number' || !(value >= min && value <= MAX_TIMER_MS))
      refuse(name, `a number of ms from ${min} to ${MAX_TIMER_MS}${infinity ? ', or Infinity' : ''}`, value)
  }

const count: Check = (value, name) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) refuse(name, 'a non-negative integer', value)
}

const oneOf =
  (...allowed: string[]): Check =>
  (value, name) => {
    if (!allowed.includes(value as string)) refuse(name, allowed.map((a) => `'${a}'`).join(' or '), value)
  }

/** An object with these methods (a platform piece: timers, an online or lifecycle source). */
const withMethods =
  (...methods: string[]): Check =>
  (value, name) => {
    const shape = value as Record<string, unknown> | null
    if (typeof shape !== 'object' || shape === null || methods.some((m) => typeof shape[m] !== 'function'))
      refuse(name, `an object with ${methods.map((m) => `${m}()`).join(' and ')}`, value)
  }

/** A plain object whose keys all have a check, each value checked; undefined values keep defaults. */
function fields(value: unknown, name: string, checks: Record<string, Check>, required: string[] = []): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(name, 'an object', value)
  const entries = Object.entries(value as Record<string, unknown>)
  const prefix = name === '' ? '' : `${name}.`
  for (const [key, v] of entries) {
    const check = checks[key]
    // a misspelt option would otherwise be ignored without a word
    if (!check)
      throw new TypeError(
        `likewire: unknown option ${prefix}${key} (known: ${Object.keys(checks).join(', ')})`,
      )
    if (v !== undefined) check(v, `${prefix}${key}`)
  }
  for (const key of required)
    if ((value as Record<string, unknown>)[key] === undefined) refuse(`${prefix}${key}`, 'set', undefined)
}

const url: Check = (value, name) => {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || list.some((u) => typeof u !== 'string' || u.replace(/\/+$/, '') === ''))
    refuse(name, 'a non-empty URL or a non-empty list of them', value)
}

// headers take any name: only the values are checked
const headerValues: Check = (value, name) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(name, 'an object', value)
  for (const [key, v] of Object.entries(value as Record<string, unknown>))
    if (typeof v !== 'string') refuse(`${name}.${key}`, 'a string', v)
}
const BACKOFF_CHECKS: Record<string, Check> = { baseMs: ms(1), maxMs: ms(1), stableAfterMs: ms(0) }

const SHARE_CHECKS: Record<keyof ShareOptions, Check> = {
  key: (value, name) => {
    if (typeof value !== 'string' || value === '') refuse(name, 'a non-empty string', value)
  },
  channel: fn,
  locks: (value, name) => {
    if (value !== null) withMethods('request')(value, name)
  },
  collectMs: ms(0),
  leaderTimeoutMs: ms(1),
}

const CLIENT_CHECKS: Record<keyof ClientOptions, Check> = {
  url,
  headers: headerValues,
  getHeaders: fn,
  getToken: fn,
  credentialsTimeoutMs: ms(1),
  requestTimeoutMs: ms(1),
  transport: oneOf('fetch', 'xhr'),
  fetch: fn,
  XMLHttpRequest: fn,
  xhrMaxResponseChars: (value, name) => {
    if (typeof value !== 'number' || !(value > 0)) refuse(name, 'a number > 0 (Infinity: never)', value)
  },
  replacementGraceMs: ms(0),
  timers: withMethods('setTimeout', 'clearTimeout'),
  onlineSource: withMethods('isOnline', 'subscribe'),
  lifecycleSource: withMethods('activity', 'subscribe'),
  parkAfterMs: ms(0, true),
  heartbeatTimeoutMs: ms(1),
  backoff: (value, name) => fields(value, name, BACKOFF_CHECKS),
  random: fn,
  dedupeSize: count,
  keepRecent: count,
  share: (value, name) => {
    if (typeof value !== 'boolean') fields(value, name, SHARE_CHECKS)
  },
  onError: fn,
}

/**
 * Throws a TypeError naming the first bad option: a wrong type, a delay no timer can take (negative, NaN,
 * past 2^31 - 1 ms), an unknown transport, a misspelt key. So a mistake shows at `createClient`, not as a
 * client that fails later.
 */
export function checkOptions(options: unknown): asserts options is ClientOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('likewire: createClient needs an options object: createClient({ url })')
  fields(options, '', CLIENT_CHECKS, ['url'])
}
