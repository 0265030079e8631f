import { backoffDelay, MIN_RETRY_BASE_MS } from './backoff'
import { type ConnectedInfo, type ConnectionDown, openConnection } from './connection'
import { RecentIds } from './dedupe'
import type { EventCallback, LikewireEvent } from './event'
import { type ClientOptions, DEFAULT_HEARTBEAT_MS, HEARTBEAT_TIMEOUT_FACTOR, resolveOptions } from './options'
import { type ConnectionState, type StateListener, StateReason, StateStore } from './state'
import { Subscriptions } from './subscriptions'
import { isSubscribableTopic } from './topic'
import { TopicSync } from './topic-sync'

export interface LikewireClient {
  /** The current connection state (a new frozen object on every change). */
  readonly state: ConnectionState
  /** Calls `callback` for each event on `topic`; returns the (idempotent) unsubscribe. */
  subscribe<T = unknown>(
    topic: string,
    callback: (event: LikewireEvent<T>) => void,
    options?: SubscribeOptions,
  ): () => void
  /** Calls `listener` with {oldState, newState} on every state change; returns its removal. */
  onStateChange(listener: StateListener): () => void
  /** Aborts the stream, clears timers and listeners; the client cannot be reopened. */
  close(): void
}

export interface SubscribeOptions {
  /**
   * Called each time the server acknowledges the subscription: from then on every event published to
   * the topic reaches `callback`. Fires again after each reconnect.
   * @default undefined
   */
  onSubscribed?: (() => void) | undefined
}

// topics beyond this many URL characters are sent by POST once connected, keeping the URL short
const MAX_URL_TOPICS_CHARS = 4000

/** One SSE stream with its own topic sync: the live stream, or the replacement being opened for it. */
interface Stream {
  readonly baseUrl: string
  readonly sync: TopicSync
  connection: { abort(): void } | null
  /** Set by `likewire.connected`. */
  connectionId: string | null
  /** Cleared when the stream is dropped, so its late async results are ignored. */
  live: boolean
  /** Its transport passed its response bound: it is replaced once it is the live stream. */
  overLimit: boolean
  /** A replacement not ready by then is dropped, so it never lingers beside the live stream. */
  deadline: unknown
}

/** Creates a client; the stream opens lazily on the first subscribe. */
export function createClient(options: ClientOptions): LikewireClient {
  const opts = resolveOptions(options)
  const { timers, onError } = opts
  const store = new StateStore(onError)
  const subscriptions = new Subscriptions()
  const recent = new RecentIds(opts.dedupeSize)
  let baseMs = opts.backoff.baseMs
  let lastHeartbeatMs: number | undefined // announced by the server; bounds the next connects too
  let urlIndex = 0
  let failures = 0 // consecutive failed attempts, reset by a stable connection
  let replaceFailures = 0 // consecutive failed replacements of a live stream
  let started = false
  let terminated = false
  let offline = false
  let retryTimer: unknown
  let stableTimer: unknown
  let replaceTimer: unknown
  let stopOnline: (() => void) | null = null

  const post = async (baseUrl: string, path: string, body: unknown) => {
    const headers = { ...(await opts.getHeaders()), 'Content-Type': 'application/json' }
    return opts.transport.post(`${baseUrl}${path}`, headers, JSON.stringify(body))
  }

  function newStream(baseUrl: string): Stream {
    const sync: TopicSync = new TopicSync({
      wanted: () => subscriptions.topics(),
      post,
      onConnectionLost(connectionId, reason) {
        if (!next.live || next.connectionId !== connectionId) return
        if (next === candidate) replacementFailed(next)
        else dropAndRetry({ reason })
      },
      onAcknowledged(topics) {
        if (next === candidate) promoteIfReady()
        else if (next === stream) subscriptions.acknowledged(topics, onError)
      },
      onError,
    })
    const next: Stream = {
      baseUrl,
      sync,
      connection: null,
      connectionId: null,
      live: true,
      overLimit: false,
      deadline: undefined,
    }
    return next
  }

  // the live stream (or the last one, dead, while disconnected); subscribes are queued on its sync
  let stream = newStream(opts.urls[0]!)
  stream.live = false
  // while the live stream is being replaced (make-before-break): the new stream, not yet in charge
  let candidate: Stream | null = null

  /** Aborts a stream for good: no late result of it counts any more. */
  function drop(s: Stream): void {
    s.live = false
    s.connection?.abort()
    s.connection = null
    timers.clearTimeout(s.deadline)
  }

  /** Ends the current attempt (and any replacement) and its timers, keeping subscriptions. */
  function teardown(): void {
    if (candidate) {
      drop(candidate)
      candidate.sync.dispose()
      candidate = null
    }
    drop(stream)
    stream.sync.disconnected()
    timers.clearTimeout(retryTimer)
    timers.clearTimeout(stableTimer)
    timers.clearTimeout(replaceTimer)
  }

  /** Opens `s` with its connect-URL topics, once the headers are ready; its events go through dedupe. */
  function open(s: Stream): void {
    const topics = urlTopics(subscriptions.topics())
    s.sync.beginConnect(topics)
    const query = topics.length > 0 ? `?topics=${topics.map(encodeURIComponent).join(',')}` : ''
    opts.getHeaders().then(
      (headers) => {
        if (!s.live) return
        s.connection = openConnection(
          {
            transport: opts.transport,
            url: `${s.baseUrl}/v1/connect${query}`,
            headers: { ...headers, Accept: 'text/event-stream' },
            timers,
            heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
            lastHeartbeatMs,
          },
          {
            onConnected: (info) => onConnected(s, info),
            onEvent: deliver,
            onRetry: (ms) => {
              // the preamble's retry: is the server's base delay; a floor keeps `retry: 0` from a hot loop
              baseMs = Math.max(MIN_RETRY_BASE_MS, ms)
            },
            onError,
            onResponseLimit: () => {
              s.overLimit = true
              if (s === stream) replace()
            },
            onDown: (down) => {
              s.connection = null
              if (s === candidate) replacementFailed(s)
              else if (s === stream) dropAndRetry(down)
            },
          },
        )
      },
      (error: unknown) => {
        if (!s.live) return
        onError(error)
        if (s === candidate) replacementFailed(s)
        else dropAndRetry({ reason: StateReason.networkError, error })
      },
    )
  }

  function connect(): void {
    teardown()
    if (terminated) return
    if (!opts.onlineSource.isOnline()) {
      goOffline()
      return
    }
    // a retry stays `reconnecting` (with its cause) until it succeeds; only the first open is `connecting`
    store.set(
      store.state.status === 'reconnecting'
        ? { nextRetryAt: null, connectionId: null }
        : {
            status: 'connecting',
            reason: StateReason.connect,
            nextRetryAt: null,
            connectionId: null,
            attempt: 0,
          },
    )
    stream.sync.dispose()
    stream = newStream(opts.urls[urlIndex % opts.urls.length]!)
    open(stream)
  }

  function onConnected(s: Stream, info: ConnectedInfo): void {
    lastHeartbeatMs = info.heartbeatMs
    s.connectionId = info.connectionId
    if (s === candidate) {
      s.sync.connected({ connectionId: info.connectionId, baseUrl: s.baseUrl })
      promoteIfReady() // also when it has no topics, so no acknowledgement will come
      return
    }
    timers.clearTimeout(stableTimer)
    stableTimer = timers.setTimeout(() => {
      failures = 0
    }, opts.backoff.stableAfterMs)
    store.set({
      status: 'connected',
      reason: StateReason.connect,
      nextRetryAt: null,
      connectionId: info.connectionId,
      attempt: 0,
    })
    s.sync.connected({ connectionId: info.connectionId, baseUrl: s.baseUrl })
    if (s.overLimit) replace()
  }

  /** Make-before-break: opens a new stream beside the live one, which stays in charge until it is ready. */
  function replace(): void {
    if (terminated || candidate || !stream.live || stream.connectionId === null) return
    timers.clearTimeout(replaceTimer)
    const next = newStream(stream.baseUrl)
    candidate = next
    const timeoutMs =
      opts.heartbeatTimeoutMs ?? (lastHeartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_TIMEOUT_FACTOR
    next.deadline = timers.setTimeout(() => replacementFailed(next), timeoutMs)
    open(next)
  }

  /** The replacement is connected and has every topic the live stream has: it takes over, the old one goes. */
  function promoteIfReady(): void {
    const next = candidate
    if (!next || next.connectionId === null) return
    const wanted = subscriptions.topics()
    if (wanted.some((t) => stream.sync.isAcknowledged(t) && !next.sync.isAcknowledged(t))) return
    // topics the old stream had not acknowledged yet: their POSTs to it are moot once it is gone
    const gained = wanted.filter((t) => next.sync.isAcknowledged(t) && !stream.sync.isAcknowledged(t))
    candidate = null
    timers.clearTimeout(next.deadline)
    drop(stream)
    stream.sync.dispose()
    stream = next
    replaceFailures = 0
    store.set({ connectionId: next.connectionId }) // still `connected`: a replacement is not a reconnect
    if (gained.length > 0) subscriptions.acknowledged(gained, onError)
    if (next.overLimit) replace()
  }

  /** The replacement failed: the live stream carries on, and the replacement is tried again later. */
  function replacementFailed(next: Stream): void {
    if (candidate !== next) return
    drop(next)
    next.sync.dispose()
    candidate = null
    const delay = backoffDelay(replaceFailures, { baseMs, maxMs: opts.backoff.maxMs }, opts.random)
    replaceFailures++
    replaceTimer = timers.setTimeout(replace, delay)
  }

  function deliver(event: LikewireEvent): void {
    if (event.id !== '' && recent.seen(event.id)) return
    subscriptions.deliver(event, onError)
  }

  /** The stream is gone: stop on auth errors, else wait (server hint or backoff) and reconnect. */
  function dropAndRetry(down: ConnectionDown): void {
    teardown()
    if (terminated) return
    if (down.reason === StateReason.unauthorized || down.reason === StateReason.forbidden) {
      terminate(down.reason) // retrying with the same credentials cannot help
      return
    }
    let delay: number
    if (down.reason === StateReason.serverShutdown) {
      delay = down.delayMs ?? 0 // a planned drain is not a failure; its hint delays this reconnect only
    } else {
      delay = backoffDelay(failures, { baseMs, maxMs: opts.backoff.maxMs }, opts.random)
      // a server hint on a failed stream may lengthen this one delay, never shorten the backoff
      if (down.delayMs !== undefined) delay = Math.max(delay, Math.min(down.delayMs, opts.backoff.maxMs))
      failures++
    }
    urlIndex++ // the next attempt goes to the next frontend, if several were given
    store.set({
      status: 'reconnecting',
      reason: down.reason,
      nextRetryAt: Date.now() + delay,
      connectionId: null,
      attempt: failures,
    })
    retryTimer = timers.setTimeout(connect, delay)
  }

  function goOffline(): void {
    teardown()
    offline = true
    store.set({ status: 'reconnecting', reason: StateReason.offline, nextRetryAt: null, connectionId: null })
  }

  function onOnlineChange(online: boolean): void {
    if (terminated || !started) return
    if (!online) {
      goOffline()
      return
    }
    if (!offline && store.state.status !== 'reconnecting') return
    offline = false
    failures = 0 // a new network deserves a fresh start
    connect()
  }

  function terminate(reason: StateReason): void {
    terminated = true
    teardown()
    stream.sync.dispose()
    stopOnline?.()
    stopOnline = null
    store.set({ status: 'closed', reason, nextRetryAt: null, connectionId: null })
  }

  function start(): void {
    started = true
    stopOnline = opts.onlineSource.subscribe(onOnlineChange)
    // wait for the rest of this tick, so its subscribes all go in the connect URL
    void Promise.resolve().then(() => {
      if (!terminated) connect()
    })
  }

  return {
    get state() {
      return store.state
    },
    subscribe<T>(topic: string, callback: (event: LikewireEvent<T>) => void, options: SubscribeOptions = {}) {
      if (!isSubscribableTopic(topic)) {
        throw new TypeError(
          `likewire: invalid topic ${JSON.stringify(topic)}: use 1-200 of A-Za-z0-9 _ - : . @ / =`,
        )
      }
      if (typeof callback !== 'function') throw new TypeError('likewire: subscribe needs a callback')
      if (terminated) return () => {}
      const { onSubscribed } = options
      const changed = () => {
        stream.sync.schedule()
        candidate?.sync.schedule() // a replacement being opened must end up with the same topics
      }
      const remove = subscriptions.add(topic, callback as EventCallback, changed, onSubscribed)
      // a topic the stream already has: this callback is live at once
      if (onSubscribed && stream.sync.isAcknowledged(topic)) queueMicrotask(onSubscribed)
      if (!started) start()
      return remove
    },
    onStateChange(listener) {
      return store.subscribe(listener)
    },
    close() {
      if (terminated) return
      terminate(StateReason.clientClosed)
      store.clear()
    },
  }
}

function urlTopics(topics: string[]): string[] {
  const picked: string[] = []
  let length = 0
  for (const topic of topics) {
    length += encodeURIComponent(topic).length + 1
    if (length > MAX_URL_TOPICS_CHARS) break
    picked.push(topic)
  }
  return picked
}
