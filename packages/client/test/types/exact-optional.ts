// Type-checked with exactOptionalPropertyTypes by exact-optional.test.ts: optional options take an explicit undefined.
import {
  type ClientOptions,
  configure,
  createClient,
  type HeadersInput,
  type LikewireGap,
  type StreamHandlers,
  type SubscribeOptions,
} from '../../src/index'

// proves the flag is on here: without it this line is no error, and the unused directive fails the check
// @ts-expect-error undefined is not a value of an optional property without `| undefined`
const flagIsOn: { a?: number } = { a: undefined }

declare const maybeGetHeaders: (() => Promise<HeadersInput>) | undefined
declare const maybeOnSubscribed: (() => void) | undefined
declare const maybeOnGap: ((gap: LikewireGap) => void) | undefined
const token = process.env.LIKEWIRE_TOKEN // string | undefined
const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined)

const client = createClient({
  url: process.env.LIKEWIRE_URL ?? 'https://example.com/realtime',
  headers: token ? { Authorization: `Bearer ${token}` } : undefined,
  getHeaders: maybeGetHeaders,
  transport: process.env.LIKEWIRE_XHR ? 'xhr' : undefined,
  fetch: undefined,
  XMLHttpRequest: undefined,
  xhrMaxResponseChars: number('LIKEWIRE_XHR_MAX_CHARS'),
  replacementGraceMs: number('LIKEWIRE_REPLACEMENT_GRACE_MS'),
  timers: undefined,
  onlineSource: undefined,
  heartbeatTimeoutMs: number('LIKEWIRE_HEARTBEAT_TIMEOUT_MS'),
  credentialsTimeoutMs: number('LIKEWIRE_CREDENTIALS_TIMEOUT_MS'),
  requestTimeoutMs: number('LIKEWIRE_REQUEST_TIMEOUT_MS'),
  backoff: { baseMs: number('LIKEWIRE_BACKOFF_MS'), maxMs: undefined, stableAfterMs: undefined },
  random: undefined,
  dedupeSize: number('LIKEWIRE_DEDUPE_SIZE'),
  onError: undefined,
})
client.subscribe('live:42:likes', () => {}, { onSubscribed: maybeOnSubscribed })
client.subscribe('chat:42', () => {}, { onGap: maybeOnGap, rewind: number('LIKEWIRE_REWIND') })

// options built apart, as an app's config module does
const subscribeOptions: SubscribeOptions = {
  onSubscribed: undefined,
  onGap: undefined,
  onError: undefined,
  rewind: undefined,
}
const options: ClientOptions = {
  url: 'https://example.com/realtime',
  backoff: undefined,
  getHeaders: undefined,
}
configure(options).subscribe('t', () => {}, subscribeOptions)

const handlers: StreamHandlers = { onResponse() {}, onChunk() {}, onEnd() {}, onResponseLimit: undefined }

// required stays required
// @ts-expect-error url is required
createClient({ url: undefined })

export { flagIsOn, handlers }
