import type { LikewireClient, SubscribeOptions } from './api'
import type { ConnectedInfo, ConnectionDown } from './connection'
import { isRefusal, refusedTopics, topicRefusal } from './errors'
import type { EventCallback, LikewireEvent } from './event'
import { watchLifecycle } from './lifecycle'
import { LocalTopics } from './local-topics'
import { type ClientOptions, resolveOptions } from './options'
import { watchMembers } from './presence/members'
import { watchPresence } from './presence/presence'
import { ReconnectPolicy } from './reconnect'
import { Rotation } from './rotation'
import { StateReason, StateStore } from './state'
import { drop, type Stream, Streams } from './stream'
import { checkSubscribe } from './subscribe-check'
import { TokenRenewal } from './token-renewal'

export type { LikewireClient, SubscribeOptions } from './api'

/** A client holding its own stream (one per client); it opens lazily on the first subscribe. */
export function createStreamClient(options: ClientOptions): LikewireClient {
  const opts = resolveOptions(options)
  const { timers, onError } = opts
  const store = new StateStore(onError)
  const local = new LocalTopics(opts.keepRecent, opts.dedupeSize, onError)
  const policy = new ReconnectPolicy(opts.urls, opts.backoff, opts.random, timers)
  let started = false
  let terminated = false
  let bare = false // the next connects carry no topics in the URL: one with topics was refused
  // the topics the last refused connect named: named again (subscribed again in onError), go bare
  let refusedAtConnect = new Set<string>()
  let offline = false
  let parked = false
  let retryTimer: unknown
  let stopOnline: (() => void) | null = null
  let stopLifecycle: (() => void) | null = null

  // a report counts by its stream's role: the live one, the replacement, or a replaced one retiring
  const streams = new Streams(opts, {
    wanted: () => local.topics(),
    deliver: (event) => local.deliver(event),
    onGap: (gap) => local.gap(gap),
    onStart: (topic, position) => local.start(topic, position),
    recovery: (topics) => local.request(topics),
    onRetry: (ms) => policy.setServerBase(ms),
    onConnected,
    onAcknowledged(s, topics) {
      if (!s.dropped) local.recorded(topics)
      if (rotation.isReplacement(s)) rotation.promoteIfReady()
      else if (s === stream) local.acknowledged(topics)
    },
    onRefused(s, topic, error) {
      // the topic's callbacks go; the other streams drop it from their topic sets as it goes
      if (local.refuse(topic, error)) onError(error)
      if (rotation.isReplacement(s)) rotation.promoteIfReady()
    },
    onResponseLimit(s) {
      if (s === stream) rotation.start()
    },
    onFailed(s, down) {
      if (s === stream) dropAndRetry(s, down)
      else rotation.failed(s) // a replacement's or a retiring stream's failure never touches the live one
    },
    onError,
  })

  // the live stream (or the last one, dropped, while disconnected); subscribes are queued on its sync
  let stream = streams.create(policy.url())
  stream.dropped = true

  const rotation = new Rotation(
    {
      live: () => stream,
      wanted: () => local.topics(),
      takeOver(next, gained) {
        stream = next
        renewal.arm(next.expiresAt)
        store.set({ connectionId: next.connectionId }) // still `connected`: a replacement is not a reconnect
        if (gained.length > 0) local.acknowledged(gained)
      },
      retryDelay: (attempt) => policy.delay(attempt),
    },
    streams,
    timers,
    opts.replacementGraceMs,
  )

  // a token about to expire is renewed make-before-break, by a replacement stream with a fresh token
  const renewal = new TokenRenewal(timers, opts.random, () => rotation.start())

  /** Ends the current attempt, any replacement and retiring stream, and their timers; keeps subscriptions. */
  function teardown(): void {
    renewal.cancel()
    rotation.stop()
    drop(stream)
    stream.sync.disconnected()
    timers.clearTimeout(retryTimer)
    policy.disconnected()
  }

  function connect(): void {
    teardown()
    if (terminated) return
    if (parked) return // parked: connected again when the app is active
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
    stream = streams.create(policy.url())
    streams.open(stream, bare)
  }

  function onConnected(s: Stream, info: ConnectedInfo): void {
    if (rotation.isReplacement(s)) {
      rotation.connected(s)
      return
    }
    if (s !== stream) return
    bare = false
    refusedAtConnect.clear()
    policy.connected()
    renewal.arm(s.expiresAt)
    store.set({
      status: 'connected',
      reason: StateReason.connect,
      nextRetryAt: null,
      connectionId: info.connectionId,
      attempt: 0,
    })
    s.sync.connected({ connectionId: info.connectionId, baseUrl: s.baseUrl })
    if (s.overLimit) rotation.start()
  }

  /** The stream is gone: stop on auth errors, else wait (server hint or backoff) and reconnect. */
  function dropAndRetry(s: Stream, down: ConnectionDown): void {
    teardown()
    if (terminated) return
    if (down.status !== undefined && isRefusal(down.status)) {
      // a 403 naming the topics it refused: those subscriptions go, the rest connect again at once
      const named = down.status === 403 && !s.bare ? refusedTopics(down.body ?? '') : null
      const wanted = new Set(local.topics())
      const again = named?.some((t) => refusedAtConnect.has(t)) ?? false
      refusedAtConnect = new Set(named ?? [])
      if (named?.some((t) => wanted.has(t)) && !again) {
        for (const topic of named.filter((t) => wanted.has(t))) {
          const error = topicRefusal(topic, down.body ?? '', down.status)
          if (local.refuse(topic, error)) onError(error)
        }
        retryTimer = timers.setTimeout(connect, 0)
        return
      }
      // a connect refused for what its URL asked: at once without topics, each then subscribed (and
      // judged) by POST; refused bare, nothing a retry would change
      if (s.bare) terminate(down.reason)
      else {
        bare = true
        retryTimer = timers.setTimeout(connect, 0)
      }
      return
    }
    const delay = policy.after(down)
    if (delay === null) {
      terminate(down.reason)
      return
    }
    store.set({
      status: 'reconnecting',
      reason: down.reason,
      nextRetryAt: Date.now() + delay,
      connectionId: null,
      attempt: policy.attempt,
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
    if (parked) {
      offline = !online // parked wins; unparking looks at the network again
      return
    }
    if (!online) {
      goOffline()
      return
    }
    if (!offline && store.state.status !== 'reconnecting') return
    offline = false
    policy.reset()
    connect()
  }

  /** Frozen, or passive past `parkAfterMs`: the stream closes cleanly, positions are kept for the return. */
  function park(): void {
    if (terminated) return
    teardown()
    parked = true
    store.set({ status: 'reconnecting', reason: StateReason.parked, nextRetryAt: null, connectionId: null })
  }

  function unpark(): void {
    if (terminated || !parked) return
    parked = false
    offline = false
    policy.reset()
    connect() // resumes every history topic from its position
  }

  function terminate(reason: StateReason): void {
    terminated = true
    teardown()
    stream.sync.dispose()
    stopOnline?.()
    stopOnline = null
    stopLifecycle?.()
    stopLifecycle = null
    store.set({ status: 'closed', reason, nextRetryAt: null, connectionId: null })
  }

  function start(): void {
    started = true
    stopOnline = opts.onlineSource.subscribe(onOnlineChange)
    stopLifecycle = watchLifecycle(opts.lifecycleSource, opts.parkAfterMs, timers, { park, unpark })
    // wait for the rest of this tick, so its subscribes all go in the connect URL
    void Promise.resolve().then(() => {
      if (!terminated) connect()
    })
  }

  const client: LikewireClient = {
    get state() {
      return store.state
    },
    subscribe<T>(topic: string, callback: (event: LikewireEvent<T>) => void, options: SubscribeOptions = {}) {
      const { rewind, resumeFrom } = checkSubscribe(topic, callback, options)
      if (terminated) return () => {}
      const unsubscribe = local.add(
        topic,
        callback as EventCallback,
        { ...options, rewind, resumeFrom },
        {
          acknowledged: stream.sync.isAcknowledged(topic),
          changed() {
            stream.sync.schedule()
            rotation.schedule()
          },
        },
      )
      if (!started) start()
      return unsubscribe
    },
    onStateChange(listener) {
      return store.subscribe(listener)
    },
    positionOf: (topic) => local.positionOf(topic),
    // through client.subscribe, so what wraps it (a test's spy) sees these subscriptions too
    watchPresence: (memberId, callback) => watchPresence(client, memberId, callback),
    members: (topic, callback) => watchMembers(client, topic, callback),
    close() {
      if (terminated) return
      terminate(StateReason.clientClosed)
      store.clear()
    },
  }
  return client
}
