import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff'
import { DEFAULT_PARK_AFTER_MS, type LifecycleSource, pageLifecycleSource } from './lifecycle'
import { type OnlineSource, windowOnlineSource } from './online'
import { checkOptions } from './options-check'
import type { ShareOptions } from './share/share-options'
import { settleWithin } from './timeout'
import { type FetchLike, fetchTransport } from './transport/fetch'
import type { Transport, TransportName } from './transport/transport'
import { DEFAULT_XHR_MAX_RESPONSE_CHARS, type XhrConstructor, xhrTransport } from './transport/xhr'

/** Timer functions, injectable so tests and unusual runtimes can swap them. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export type HeadersInput = Record<string, string>

export interface ClientOptions {
  /**
   * Base URL(s) of the frontend nodes, e.g. `https://rt.example.com/realtime`. After a failure the
   * client rotates to the next one.
   */
  url: string | string[]
  /**
   * Headers sent on every request (connect and POSTs), e.g. `Authorization`.
   * @default {}
   */
  headers?: HeadersInput | undefined
  /**
   * Called before every request (connect and POSTs); its headers override `headers`. May be async,
   * so a token can be refreshed.
   * @default undefined
   */
  getHeaders?: (() => HeadersInput | Promise<HeadersInput>) | undefined
  /**
   * Returns the token sent as `Authorization: Bearer <token>` on the connect and on every POST of that
   * stream. Called before each connect (so at a reconnect after the server ended a stream whose token
   * expired, and at the one retry of a connect answered `401 token_expired`): return a fresh token. Its
   * header overrides one of `headers` or `getHeaders`. Throwing counts as a failed attempt (backoff).
   * @default undefined
   */
  getToken?: (() => string | Promise<string>) | undefined
  /**
   * How long a `getToken` or `getHeaders` call may take. One that has not settled by then counts as a
   * failed attempt (reported to `onError` as a `LikewireError` with code `credentials_timeout`, then
   * backoff), so a token service that never answers cannot hang the client.
   * @default 10000
   */
  credentialsTimeoutMs?: number | undefined
  /**
   * How long a subscribe or unsubscribe POST may wait for its answer before it is aborted. A subscribe
   * that timed out is a failure like a network error: the stream is replaced (backoff) and every topic
   * subscribed again; an unsubscribe that timed out is reported to `onError`.
   * @default 10000
   */
  requestTimeoutMs?: number | undefined
  /**
   * How the stream is read.
   * @default 'fetch' when fetch with a streaming body exists, else 'xhr' (React Native)
   */
  transport?: TransportName | undefined
  /**
   * The fetch to use.
   * @default globalThis.fetch, looked up when the client is created
   */
  fetch?: FetchLike | undefined
  /**
   * The XMLHttpRequest class to use.
   * @default globalThis.XMLHttpRequest, looked up when the client is created
   */
  XMLHttpRequest?: XhrConstructor | undefined
  /**
   * The `xhr` transport keeps the whole stream in `responseText`, so past this many characters the
   * client replaces the stream: it opens a new one with the same topics, which takes over once it has
   * every topic; the old one is aborted `replacementGraceMs` later (events seen on both are
   * deduplicated by id). `Infinity` never replaces it. The `fetch` transport keeps nothing and ignores this.
   * @default 4194304 (4 MiB of characters)
   */
  xhrMaxResponseChars?: number | undefined
  /**
   * Once a replacement (see `xhrMaxResponseChars`) has taken over, the old stream stays open this long,
   * still delivering (deduplicated by id), then is aborted: in a cluster, an event a dispatcher sent to
   * the old stream's frontend just before the new stream's subscription was recorded may still be on
   * its way. `0` aborts the old stream at once.
   * @default 3000 (the server's dispatcher-to-frontend delivery timeout)
   */
  replacementGraceMs?: number | undefined
  /**
   * Timer functions.
   * @default globalThis.setTimeout / clearTimeout, looked up on each call
   */
  timers?: Timers | undefined
  /**
   * Network availability: offline stops the stream, online reconnects at once.
   * @default window online/offline events where `window.addEventListener` exists, else always online
   */
  onlineSource?: OnlineSource | undefined
  /**
   * How active the app is: a frozen page (or one put in the back/forward cache) parks its stream at once, a
   * hidden tab or an app in the background after `parkAfterMs`; active again, it reconnects and resumes
   * history topics. React Native: `appStateSource(AppState)`.
   * @default the page lifecycle (visibility, freeze/resume, pagehide/pageshow) in a browser, else always active
   */
  lifecycleSource?: LifecycleSource | undefined
  /**
   * A hidden tab or an app in the background keeps its stream this long, then it is parked (state
   * `reconnecting`, reason `parked`). `0` parks at once; `Infinity` never parks a passive app.
   * @default 60000
   */
  parkAfterMs?: number | undefined
  /**
   * No bytes for this long means the stream is dead: abort and reconnect.
   * @default 2.5 x the `heartbeatMs` from the server's `likewire.connected` frame; a new connect is
   * bounded by the heartbeat the server announced last (2.5 x 15000 before the first frame ever)
   */
  heartbeatTimeoutMs?: number | undefined
  /**
   * Reconnect backoff: full jitter, doubling per attempt, capped.
   * @default { baseMs: 1000, maxMs: 30000, stableAfterMs: 10000 }
   */
  backoff?: { [K in keyof BackoffOptions]?: BackoffOptions[K] | undefined } | undefined
  /**
   * Source of randomness for the backoff jitter, in [0, 1).
   * @default Math.random
   */
  random?: (() => number) | undefined
  /**
   * How many recent event ids are remembered to drop re-delivered events.
   * @default 1000
   */
  dedupeSize?: number | undefined
  /**
   * History events kept per topic (the newest), so a callback that joins a topic the client already holds
   * with `resumeFrom` is handed what it missed from memory. 0 keeps only what `rewind` callbacks need.
   * @default 0 (a tab leading shared tabs keeps 1000)
   */
  keepRecent?: number | undefined
  /**
   * Browser tabs of one origin share one stream: one tab (the leader, elected with Web Locks) holds it and
   * the subscribe POSTs for every tab's topics, the others get their events over BroadcastChannel. Each
   * tab's API is unchanged. `false` gives this client a stream of its own; an object tunes the sharing.
   * @default true in a browser page with BroadcastChannel, false elsewhere (Node, React Native, workers)
   */
  share?: boolean | ShareOptions | undefined
  /**
   * Receives errors the client cannot throw: a callback that threw, a failed subscribe POST, a bad frame.
   * @default console.error
   */
  onError?: ((error: unknown) => void) | undefined
}

export const DEFAULT_HEARTBEAT_MS = 15_000
export const HEARTBEAT_TIMEOUT_FACTOR = 2.5
export const DEFAULT_DEDUPE_SIZE = 1000
export const DEFAULT_REPLACEMENT_GRACE_MS = 3000
export const DEFAULT_CREDENTIALS_TIMEOUT_MS = 10_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export { DEFAULT_BACKOFF }

/** Options with every default applied and every platform object resolved. */
export interface ResolvedOptions {
  urls: string[]
  transport: Transport
  getHeaders: () => Promise<HeadersInput>
  /** The app's `getToken`, checked: a non-empty string or a rejection. */
  getToken: (() => Promise<string>) | undefined
  requestTimeoutMs: number
  timers: Timers
  onlineSource: OnlineSource
  lifecycleSource: LifecycleSource
  parkAfterMs: number
  heartbeatTimeoutMs: number | undefined
  replacementGraceMs: number
  backoff: BackoffOptions
  random: () => number
  dedupeSize: number
  keepRecent: number
  onError: (error: unknown) => void
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  checkOptions(options)
  const urls = (Array.isArray(options.url) ? options.url : [options.url]).map((u) => u.replace(/\/+$/, ''))
  const { headers = {}, getHeaders, getToken } = options
  const timers = options.timers ?? globalTimers
  const credentialsMs = options.credentialsTimeoutMs ?? DEFAULT_CREDENTIALS_TIMEOUT_MS
  // a call that never settles counts as a failed attempt, like one that throws
  const credentials = <T>(work: () => T | Promise<T>, what: string) =>
    settleWithin(work, credentialsMs, timers, 'credentials_timeout', `${what} (credentialsTimeoutMs)`)
  const onError = safeOnError(options.onError ?? ((error) => console.error('[likewire]', error)))
  return {
    urls,
    transport: resolveTransport(options),
    getHeaders: async () => ({
      ...headers,
      ...(getHeaders ? await credentials(getHeaders, 'getHeaders') : {}),
    }),
    getToken: getToken && (() => credentials(() => checkedToken(getToken), 'getToken')),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    timers,
    onlineSource: options.onlineSource ?? windowOnlineSource(),
    lifecycleSource: options.lifecycleSource ?? pageLifecycleSource(),
    parkAfterMs: options.parkAfterMs ?? DEFAULT_PARK_AFTER_MS,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    replacementGraceMs: options.replacementGraceMs ?? DEFAULT_REPLACEMENT_GRACE_MS,
    backoff: { ...DEFAULT_BACKOFF, ...definedOnly(options.backoff ?? {}) },
    random: options.random ?? Math.random,
    dedupeSize: options.dedupeSize ?? DEFAULT_DEDUPE_SIZE,
    keepRecent: options.keepRecent ?? 0,
    onError,
  }
}

/** An app's onError that throws must not break the stream that reported to it. */
function safeOnError(onError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      onError(error)
    } catch (thrown) {
      console.error('[likewire] onError threw', thrown, 'while reporting', error)
    }
  }
}

/** The app's token, refused unless it can go in a header: a non-empty string of visible characters. */
async function checkedToken(getToken: () => string | Promise<string>): Promise<string> {
  const token = await getToken()
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))
    throw new TypeError('likewire: getToken must return a non-empty token (printable ASCII, no spaces)')
  return token
}

/** Drops keys whose value is undefined, so `{ baseMs: undefined }` keeps the default. */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

// looked up on each call, so fake timers installed after createClient still apply
const globalTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

function resolveTransport(options: ClientOptions): Transport {
  const g = globalThis as { fetch?: FetchLike; XMLHttpRequest?: XhrConstructor }
  const fetchFn = options.fetch ?? (g.fetch ? (input, init) => g.fetch!(input, init) : undefined)
  const Xhr = options.XMLHttpRequest ?? g.XMLHttpRequest
  const name = options.transport ?? pickTransport(options, fetchFn, Xhr)
  if (name === 'fetch') {
    if (!fetchFn) throw new TypeError("likewire: transport 'fetch' needs fetch; pass options.fetch")
    return fetchTransport(fetchFn)
  }
  if (!Xhr) throw new TypeError("likewire: transport 'xhr' needs XMLHttpRequest; pass options.XMLHttpRequest")
  const maxResponseChars = options.xhrMaxResponseChars ?? DEFAULT_XHR_MAX_RESPONSE_CHARS
  return xhrTransport(Xhr, { maxResponseChars })
}

function pickTransport(options: ClientOptions, fetchFn?: FetchLike, Xhr?: XhrConstructor): TransportName {
  if (options.fetch) return 'fetch'
  if (options.XMLHttpRequest) return 'xhr'
  if (fetchFn && hasStreamingBody()) return 'fetch'
  return Xhr ? 'xhr' : 'fetch'
}

// React Native's fetch has no response.body, so it cannot stream
function hasStreamingBody(): boolean {
  const g = globalThis as {
    Response?: unknown
    ReadableStream?: unknown
    TextDecoder?: unknown
  }
  return (
    typeof g.ReadableStream === 'function' &&
    typeof g.TextDecoder === 'function' &&
    typeof g.Response === 'function' &&
    'body' in (g.Response as { prototype: object }).prototype
  )
}
