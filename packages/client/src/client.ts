import { backoffDelay, MIN_RETRY_BASE_MS } from './backoff'
import { type ConnectedInfo, type ConnectionDown, openConnection } from './connection'
import { RecentIds } from './dedupe'
import type { EventCallback, LikewireEvent } from './event'
import { type ClientOptions, resolveOptions } from './options'
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
  onSubscribed?: () => void
}

// topics beyond this many URL characters are sent by POST once connected, keeping the URL short
const MAX_URL_TOPICS_CHARS = 4000

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
  let started = false
  let terminated = false
  let offline = false
  let generation = 0 // bumps per attempt, so late async results of older attempts are ignored
  let connection: { abort(): void } | null = null
  let retryTimer: unknown
  let stableTimer: unknown
  let stopOnline: (() => void) | null = null

  const post = async (baseUrl: string, path: string, body: unknown) => {
    const headers = { ...(await opts.getHeaders()), 'Content-Type': 'application/json' }
    return opts.transport.post(`${baseUrl}${path}`, headers, JSON.stringify(body))
  }

  const sync = new TopicSync({
    wanted: () => subscriptions.topics(),
    post,
    onConnectionLost(connectionId, reason) {
      if (store.state.connectionId === connectionId) dropAndRetry({ reason })
    },
    onAcknowledged: (topics) => subscriptions.acknowledged(topics, onError),
    onError,
  })

  /** Ends the current attempt and its timers, keeping subscriptions. */
  function teardown(): void {
    generation++
    connection?.abort()
    connection = null
    timers.clearTimeout(retryTimer)
    timers.clearTimeout(stableTimer)
    sync.disconnected()
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
    const baseUrl = opts.urls[urlIndex % opts.urls.length]!
    const topics = urlTopics(subscriptions.topics())
    sync.beginConnect(topics)
    const query = topics.length > 0 ? `?topics=${topics.map(encodeURIComponent).join(',')}` : ''
    const mine = generation
    opts.getHeaders().then(
      (headers) => {
        if (mine !== generation) return
        connection = openConnection(
          {
            transport: opts.transport,
            url: `${baseUrl}/v1/connect${query}`,
            headers: { ...headers, Accept: 'text/event-stream' },
            timers,
            heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
            lastHeartbeatMs,
          },
          {
            onConnected: (info) => onConnected(info, baseUrl),
            onEvent: deliver,
            onRetry: (ms) => {
              // the preamble's retry: is the server's base delay; a floor keeps `retry: 0` from a hot loop
              baseMs = Math.max(MIN_RETRY_BASE_MS, ms)
            },
            onError,
            onDown: (down) => {
              connection = null
              dropAndRetry(down)
            },
          },
        )
      },
      (error: unknown) => {
        if (mine !== generation) return
        onError(error)
        dropAndRetry({ reason: StateReason.networkError, error })
      },
    )
  }

  function onConnected(info: ConnectedInfo, baseUrl: string): void {
    lastHeartbeatMs = info.heartbeatMs
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
    sync.connected({ connectionId: info.connectionId, baseUrl })
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
    sync.dispose()
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
      const remove = subscriptions.add(topic, callback as EventCallback, () => sync.schedule(), onSubscribed)
      // a topic the stream already has: this callback is live at once
      if (onSubscribed && sync.isAcknowledged(topic)) queueMicrotask(onSubscribed)
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
