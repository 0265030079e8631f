import { type ConnectedInfo, type ConnectionDown, openConnection } from './connection'
import type { LikewireError } from './errors'
import type { EventPosition, LikewireEvent, LikewireGap } from './event'
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_TIMEOUT_FACTOR, type ResolvedOptions } from './options'
import type { RecoveryRequest } from './recovery'
import { StateReason } from './state'
import { abortAfter } from './timeout'
import { tokenExpiry } from './token-renewal'
import { TopicSync } from './topic-sync'

// topics beyond this many URL characters (their resume or rewind included) are sent by POST once
// connected, keeping the URL short
const MAX_URL_TOPICS_CHARS = 4000

/** One SSE stream with its own topic sync: the live one, a replacement being opened, or a replaced one retiring. */
export interface Stream {
  readonly baseUrl: string
  readonly sync: TopicSync
  connection: { abort(): void } | null
  /** Set by `likewire.connected`. */
  connectionId: string | null
  /** Set when the stream is dropped, so its late async results are ignored. */
  dropped: boolean
  /** Its transport passed its response bound: it is replaced once it is the live stream. */
  overLimit: boolean
  /** When the JWT it connected with expires (epoch ms): it is renewed before then. */
  expiresAt: number | undefined
  /** Its connect URL carries no topics (all are subscribed by POST once it is connected). */
  bare: boolean
}

/** What streams report, each report naming its stream: the client acts on it by the stream's role. */
export interface StreamOwner {
  /** Topics that have at least one local callback. */
  wanted(): string[]
  /** An event of any stream; streams may overlap, so this is where duplicates are dropped. */
  deliver(event: LikewireEvent): void
  /** A `likewire.gap` frame of any stream. */
  onGap(gap: LikewireGap): void
  /** A `likewire.position` frame of any stream: where a fresh subscription of a history topic starts. */
  onStart(topic: string, position: EventPosition): void
  /** What to resume or rewind of these topics, taken as a connect or subscribe request is built. */
  recovery(topics: readonly string[]): RecoveryRequest
  /** The preamble's `retry:` (before `likewire.connected`): the server's base reconnect delay. */
  onRetry(ms: number): void
  onConnected(s: Stream, info: ConnectedInfo): void
  /** The server acknowledged these topics on `s`. */
  onAcknowledged(s: Stream, topics: string[]): void
  /** The server refused a subscription of `topic` on `s` for good. */
  onRefused(s: Stream, topic: string, error: LikewireError): void
  /** The transport of `s` holds more than its bound of response text. */
  onResponseLimit(s: Stream): void
  /** `s` is unusable: it broke, its headers could not be made, or the server forgot its connection. */
  onFailed(s: Stream, down: ConnectionDown): void
  onError(error: unknown): void
}

/** Creates and opens streams; every stream reports to the one owner. */
export class Streams {
  // the heartbeat the server announced last: it bounds the next connects too
  private lastHeartbeatMs: number | undefined
  /** The `getToken` token of the last connect: the POSTs of its stream carry it too. */
  private token: string | undefined

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly owner: StreamOwner,
  ) {}

  create(baseUrl: string): Stream {
    const { owner } = this
    const sync: TopicSync = new TopicSync({
      wanted: () => owner.wanted(),
      post: (url, path, body) => this.post(url, path, body),
      recovery: (topics) => owner.recovery(topics),
      onConnectionLost(connectionId, reason) {
        if (!s.dropped && s.connectionId === connectionId) owner.onFailed(s, { reason })
      },
      onAcknowledged: (topics) => owner.onAcknowledged(s, topics),
      onRefused: (topic, error) => {
        if (!s.dropped) owner.onRefused(s, topic, error)
      },
      onError: (error) => owner.onError(error),
    })
    const s: Stream = {
      baseUrl,
      sync,
      connection: null,
      connectionId: null,
      dropped: false,
      overLimit: false,
      expiresAt: undefined,
      bare: false,
    }
    return s
  }

  /**
   * Opens `s` with its connect-URL topics, once the headers are ready. `bare`: none in the URL (a connect
   * with topics was refused: subscribed by POST, the server's answer names a refused topic alone).
   */
  open(s: Stream, bare = false): void {
    const { opts, owner } = this
    const wanted = owner.wanted()
    const recovery = owner.recovery(wanted)
    const topics = bare ? [] : urlTopics(wanted, recovery)
    s.bare = topics.length === 0
    s.sync.beginConnect(topics)
    const query = connectQuery(topics, recovery)
    // fresh credentials for every connect: after an expiry the app hands over a new token here
    this.credentials().then(
      (headers) => {
        if (s.dropped) return
        s.expiresAt = tokenExpiry(headers)
        s.connection = openConnection(
          {
            transport: opts.transport,
            url: `${s.baseUrl}/v1/connect${query}`,
            headers: { ...headers, Accept: 'text/event-stream' },
            timers: opts.timers,
            heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
            lastHeartbeatMs: this.lastHeartbeatMs,
          },
          {
            onConnected: (info) => {
              this.lastHeartbeatMs = info.heartbeatMs
              s.connectionId = info.connectionId
              owner.onConnected(s, info)
            },
            onEvent: (event) => owner.deliver(event),
            onGap: (gap) => owner.onGap(gap),
            onStart: (topic, position) => owner.onStart(topic, position),
            onRetry: (ms) => owner.onRetry(ms),
            onError: (error) => owner.onError(error),
            onResponseLimit: () => {
              s.overLimit = true
              owner.onResponseLimit(s)
            },
            onDown: (down) => {
              s.connection = null
              owner.onFailed(s, down)
            },
          },
        )
      },
      (error: unknown) => {
        if (s.dropped) return
        owner.onError(error)
        owner.onFailed(s, { reason: StateReason.networkError, error })
      },
    )
  }

  /** How long a connect may stay silent: the heartbeat timeout, by the heartbeat the server announced last. */
  connectTimeoutMs(): number {
    const { heartbeatTimeoutMs } = this.opts
    return heartbeatTimeoutMs ?? (this.lastHeartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_TIMEOUT_FACTOR
  }

  /** The headers of a connect: `getHeaders`, then the Bearer token of a fresh `getToken` call. */
  private async credentials(): Promise<Record<string, string>> {
    const [headers, token] = await Promise.all([this.opts.getHeaders(), this.opts.getToken?.()])
    if (token !== undefined) this.token = token
    return withToken(headers, token)
  }

  private async post(baseUrl: string, path: string, body: unknown) {
    const { opts } = this
    const headers = {
      ...withToken(await opts.getHeaders(), this.token),
      'Content-Type': 'application/json',
    }
    const what = `POST ${path} had no answer (requestTimeoutMs)`
    return abortAfter(
      (signal) => opts.transport.post(`${baseUrl}${path}`, headers, JSON.stringify(body), signal),
      opts.requestTimeoutMs,
      opts.timers,
      'request_timeout',
      what,
    )
  }
}

/** Headers with the token as their one `Authorization` (any other, whatever its case, left out). */
function withToken(headers: Record<string, string>, token: string | undefined): Record<string, string> {
  if (token === undefined) return headers
  const kept = Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization')
  return { ...Object.fromEntries(kept), Authorization: `Bearer ${token}` }
}

/** Aborts a stream for good: no late result of it counts any more. */
export function drop(s: Stream): void {
  s.dropped = true
  s.connection?.abort()
  s.connection = null
}

/** The connect URL's topics: as many as fit, each with its resume or rewind entry. */
function urlTopics(topics: string[], recovery: RecoveryRequest): string[] {
  const picked: string[] = []
  let length = 0
  for (const topic of topics) {
    const entry = recoveryEntry(topic, recovery)
    length += encodeURIComponent(topic).length + 1 + (entry === undefined ? 0 : entry.length + 1)
    if (length > MAX_URL_TOPICS_CHARS) break
    picked.push(topic)
  }
  return picked
}

/** `?topics=a,b&resume=a~<epoch>~<offset>&rewind=b~<n>` (protocol v1; `~` is not a topic character). */
function connectQuery(topics: string[], recovery: RecoveryRequest): string {
  if (topics.length === 0) return ''
  const params = [`topics=${topics.map(encodeURIComponent).join(',')}`]
  const resume = topics.filter((t) => recovery.resume.has(t))
  const rewind = topics.filter((t) => !recovery.resume.has(t) && recovery.rewind.has(t))
  if (resume.length > 0) params.push(`resume=${resume.map((t) => recoveryEntry(t, recovery)).join(',')}`)
  if (rewind.length > 0) params.push(`rewind=${rewind.map((t) => recoveryEntry(t, recovery)).join(',')}`)
  return `?${params.join('&')}`
}

function recoveryEntry(topic: string, recovery: RecoveryRequest): string | undefined {
  const position = recovery.resume.get(topic)
  if (position) return `${encodeURIComponent(topic)}~${position.epoch}~${position.offset}`
  const rewind = recovery.rewind.get(topic)
  return rewind === undefined ? undefined : `${encodeURIComponent(topic)}~${rewind}`
}
