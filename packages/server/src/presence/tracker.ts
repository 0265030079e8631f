import type { Logger } from 'pino'
import type { JoinOutcome, PresenceScope, PresenceStore } from '../registry/presence-store'

/** A join this node reported, with what the store made of it. */
export interface Joined {
  scope: PresenceScope
  outcome: JoinOutcome
  /** When it joined (the `since` of a new member). */
  at: number
}

/** Scopes per key: `<topic>\n<member>`, the topic empty for member presence (topics and member ids hold no LF). */
const keyOf = ({ topic, memberId }: PresenceScope) => `${topic ?? ''}\n${memberId}`
function scopeOf(key: string): PresenceScope {
  const lf = key.indexOf('\n')
  return { topic: lf === 0 ? null : key.slice(0, lf), memberId: key.slice(lf + 1) }
}

const RETRY_MS = 1000

/**
 * This node's share of presence: how many local connections each member has per scope, and what the
 * store was told. Only transitions reach the store (a member's first connection on this node in a scope,
 * its last one gone), batched per tick; what is sent is the local state at flush time, so a close and a
 * reconnect in one tick send nothing. A failed batch is retried until the store agrees.
 */
export class PresenceTracker {
  private readonly counts = new Map<string, number>()
  private readonly recorded = new Set<string>()
  private touched = new Set<string>()
  private scheduled = false
  private running: Promise<void> = Promise.resolve()
  private retry: ReturnType<typeof setTimeout> | undefined
  private online = 0
  private closed = false

  constructor(
    private readonly store: PresenceStore,
    private readonly nodeId: string,
    private readonly onJoined: (joined: Joined[]) => void,
    private readonly logger: Logger,
  ) {}

  /** Members with at least one local connection (the members-online gauge). */
  get membersOnline(): number {
    return this.online
  }

  add(scope: PresenceScope): void {
    const key = keyOf(scope)
    const count = this.counts.get(key) ?? 0
    this.counts.set(key, count + 1)
    if (count > 0) return
    if (scope.topic === null) this.online++
    this.touch(key)
  }

  remove(scope: PresenceScope): void {
    const key = keyOf(scope)
    const count = this.counts.get(key)
    if (count === undefined) return
    if (count > 1) {
      this.counts.set(key, count - 1)
      return
    }
    this.counts.delete(key)
    if (scope.topic === null) this.online--
    this.touch(key)
  }

  /** Tells the store everything again (it lost it: Redis restarted empty, or this node's lease was pruned). */
  resync(): Promise<void> {
    this.recorded.clear()
    for (const key of this.counts.keys()) this.touch(key)
    return this.settled()
  }

  /** Resolves once every change made so far reached the store (or failed, to be retried). */
  settled(): Promise<void> {
    this.schedule()
    return this.running
  }

  /** Sends what is pending, once: no retry after this. */
  close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retry)
    this.retry = undefined
    return this.settled()
  }

  private touch(key: string): void {
    this.touched.add(key)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // the tick's other changes join the batch; one batch at a time, in order
    this.running = this.running
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.flush())
  }

  private async flush(): Promise<void> {
    this.scheduled = false
    const keys = [...this.touched]
    this.touched = new Set()
    const joins: string[] = []
    const leaves: string[] = []
    for (const key of keys) {
      const wanted = this.counts.has(key)
      if (wanted && !this.recorded.has(key)) joins.push(key)
      else if (!wanted && this.recorded.has(key)) leaves.push(key)
    }
    const now = Date.now()
    try {
      if (leaves.length > 0) {
        await this.store.leave(this.nodeId, leaves.map(scopeOf), now)
        for (const key of leaves) this.recorded.delete(key)
      }
      if (joins.length > 0) {
        const scopes = joins.map(scopeOf)
        const outcomes = await this.store.join(this.nodeId, scopes, now)
        for (const key of joins) this.recorded.add(key)
        this.onJoined(scopes.map((scope, i) => ({ scope, outcome: outcomes[i] ?? 'none', at: now })))
      }
    } catch (error) {
      // compared again at the next flush: whatever landed is not sent twice, whatever did not is
      for (const key of keys) this.touched.add(key)
      this.logger.warn({ err: error }, 'presence update failed; retrying')
      if (this.closed) return
      this.retry ??= setTimeout(() => {
        this.retry = undefined
        this.schedule()
      }, RETRY_MS)
      this.retry.unref()
    }
  }
}
