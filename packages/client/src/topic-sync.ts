import { errorCode, isRefusal, LikewireError, refusedTopics, topicRefusal } from './errors'
import type { RecoveryRequest } from './recovery'
import type { HttpResponse } from './transport/transport'

/** The live stream that subscribe POSTs address. */
export interface SyncTarget {
  connectionId: string
  baseUrl: string
}

export interface TopicSyncDeps {
  /** Topics that have at least one local callback. */
  wanted(): string[]
  post(baseUrl: string, path: string, body: unknown): Promise<HttpResponse>
  /** What to resume or rewind of these topics, taken as the subscribe POST is built. */
  recovery(topics: readonly string[]): RecoveryRequest
  /** The server forgot this connection (404 unknown_connection), or the POST could not be made. */
  onConnectionLost(connectionId: string, reason: 'unknown_connection' | 'network_error' | 'http_error'): void
  /** The server acknowledged these topics on the current stream. */
  onAcknowledged(topics: string[]): void
  /** The server refused a subscribe of this one topic for good (a 4xx a retry gets again): drop it. */
  onRefused(topic: string, error: LikewireError): void
  onError(error: unknown): void
}

/**
 * Keeps the server's topic set for the current stream equal to the wanted topics: changes made in one
 * tick are diffed once and sent as at most one subscribe and one unsubscribe POST.
 */
export class TopicSync {
  private target: SyncTarget | null = null
  // what the current stream has, or has been asked to have (connect URL and sent POSTs)
  private sent = new Set<string>()
  // what the current stream has acknowledged: the connect URL's topics once connected, then 2xx subscribes
  private acked = new Set<string>()
  private scheduled = false
  private disposed = false
  // one round of POSTs in flight per stream, so the server applies changes in the order they were made
  private flushing = false
  private again = false
  private epoch = 0

  constructor(private readonly deps: TopicSyncDeps) {}

  /** A new stream is being opened with `topics` in its connect URL. */
  beginConnect(topics: string[]): void {
    this.target = null
    this.sent = new Set(topics)
    this.acked = new Set()
    this.epoch++
    this.flushing = false
    this.again = false
  }

  isAcknowledged(topic: string): boolean {
    return this.acked.has(topic)
  }

  /** The stream is up: send whatever changed while it was connecting. */
  connected(target: SyncTarget): void {
    this.target = target
    this.acked = new Set(this.sent)
    if (this.acked.size > 0) this.deps.onAcknowledged([...this.acked])
    this.flush()
  }

  disconnected(): void {
    this.target = null
    this.acked.clear()
  }

  dispose(): void {
    this.disposed = true
    this.target = null
  }

  /** Flushes once, after the current tick's other subscribes and unsubscribes. */
  schedule(): void {
    if (this.scheduled || this.disposed) return
    this.scheduled = true
    // a microtask: every subscribe of the current synchronous run lands in the same POST
    void Promise.resolve().then(() => {
      this.scheduled = false
      this.flush()
    })
  }

  private flush(): void {
    const target = this.target
    if (!target || this.disposed) return
    if (this.flushing) {
      this.again = true // sent when the round in flight settles
      return
    }
    const wanted = new Set(this.deps.wanted())
    const add = [...wanted].filter((t) => !this.sent.has(t))
    const remove = [...this.sent].filter((t) => !wanted.has(t))
    if (add.length === 0 && remove.length === 0) return
    for (const t of add) this.sent.add(t)
    for (const t of remove) {
      this.sent.delete(t)
      this.acked.delete(t)
    }
    const posts: Promise<void>[] = []
    const removal = remove.length > 0 ? this.send(target, '/v1/unsubscribe', remove) : undefined
    if (add.length > 0) posts.push(this.send(target, '/v1/subscribe', add, removal))
    if (removal) posts.push(removal)
    this.flushing = true
    const epoch = this.epoch
    void Promise.all(posts).then(() => {
      if (epoch !== this.epoch) return // a new stream started meanwhile: it has its own rounds
      this.flushing = false
      if (this.again) {
        this.again = false
        this.flush()
      }
    })
  }

  /** `removal`: the unsubscribe sent beside this subscribe, which may free the places it needs. */
  private send(target: SyncTarget, path: string, topics: string[], removal?: Promise<void>): Promise<void> {
    const stale = () => this.target?.connectionId !== target.connectionId
    const body: Record<string, unknown> = { connectionId: target.connectionId, topics }
    if (path === '/v1/subscribe') {
      const { resume, rewind } = this.deps.recovery(topics)
      if (resume.size > 0) body.resume = Object.fromEntries(resume)
      if (rewind.size > 0) body.rewind = Object.fromEntries(rewind)
    }
    return this.deps.post(target.baseUrl, path, body).then(
      (response) => {
        if (response.status >= 200 && response.status < 300) {
          if (stale() || path !== '/v1/subscribe') return
          const confirmed = topics.filter((t) => this.sent.has(t) && !this.acked.has(t))
          for (const t of confirmed) this.acked.add(t)
          if (confirmed.length > 0) this.deps.onAcknowledged(confirmed)
          return
        }
        const code = errorCode(response.body)
        if (stale()) return // answered for a stream we already replaced
        if (path === '/v1/subscribe' && isRefusal(response.status)) {
          return this.refused(target, topics, response, removal)
        }
        if (response.status === 404 && code === 'unknown_connection') {
          this.deps.onConnectionLost(target.connectionId, 'unknown_connection')
        } else if (response.status >= 500 && path === '/v1/subscribe') {
          // the topics may be missing on the server: a fresh stream carries them all in its URL
          this.deps.onConnectionLost(target.connectionId, 'http_error')
        } else {
          const message = `likewire: POST ${path} ${JSON.stringify(topics)} answered ${response.status}`
          this.deps.onError(new LikewireError(code ?? 'http_error', message, response.status))
        }
      },
      (error: unknown) => {
        if (stale()) return
        this.deps.onError(error)
        if (path === '/v1/subscribe') this.deps.onConnectionLost(target.connectionId, 'network_error')
      },
    )
  }

  /**
   * A subscribe refused for good. The server refuses a request whole (one topic not granted, or past the
   * subscription limit), so a refusal of several topics is split in halves sent one after the other, down
   * to the topics refused on their own: those are dropped, the others subscribed (the earliest first, so
   * past the limit the latest subscriptions are the ones refused).
   */
  private async refused(
    target: SyncTarget,
    topics: string[],
    response: HttpResponse,
    removal: Promise<void> | undefined,
  ): Promise<void> {
    for (const t of topics) this.sent.delete(t)
    const live = () => !this.disposed && this.target?.connectionId === target.connectionId
    const unsent = () => {
      const wanted = new Set(this.deps.wanted())
      return topics.filter((t) => wanted.has(t) && !this.sent.has(t))
    }
    // past the limit while the unsubscribe beside it was on its way: asked again once that is done
    if (removal && errorCode(response.body) === 'too_many_subscriptions') {
      await removal
      const again = unsent()
      if (!live() || again.length === 0) return
      for (const t of again) this.sent.add(t)
      return this.send(target, '/v1/subscribe', again)
    }
    const still = unsent()
    if (topics.length === 1 && still.length === 1) {
      this.deps.onRefused(still[0]!, topicRefusal(still[0]!, response.body, response.status))
      return
    }
    // a 403 that names its refused topics: those go, the rest is asked again at once (no halving)
    const named = new Set(response.status === 403 ? (refusedTopics(response.body) ?? []) : [])
    if (still.some((t) => named.has(t))) {
      for (const t of still.filter((t) => named.has(t)))
        this.deps.onRefused(t, topicRefusal(t, response.body, response.status))
      const rest = unsent().filter((t) => !named.has(t))
      if (!live() || rest.length === 0) return
      for (const t of rest) this.sent.add(t)
      return this.send(target, '/v1/subscribe', rest)
    }
    const half = Math.ceil(still.length / 2)
    for (const part of [still.slice(0, half), still.slice(half)]) {
      if (!live()) return
      const left = part.filter((t) => !this.sent.has(t) && this.deps.wanted().includes(t))
      if (left.length === 0) continue
      for (const t of left) this.sent.add(t)
      await this.send(target, '/v1/subscribe', left)
    }
  }
}
