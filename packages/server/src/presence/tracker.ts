import type { Logger } from 'pino'
import type { JoinOutcome, PresenceScope, PresenceStore, Recording } from '../registry/presence-store'
import { recording } from './publishing'

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
 * reconnect in one tick send nothing. A failed batch is retried until the store agrees. Scopes left
 * within the grace are remembered with when they were left, so a store that lost them (Redis restarted
 * empty) still gets them as leaves: their members go offline once after the grace, not never.
 */
export class PresenceTracker {
  private readonly counts = new Map<string, number>()
  private readonly recorded = new Set<string>()
  /** Scopes left within the grace -> when, oldest first (leftAt comes from this process's clock). */
  private readonly left = new Map<string, number>()
  private restoring = false
  private touched = new Set<string>()
  private scheduled = false
  private running: Promise<void> = Promise.resolve()
  private retry: ReturnType<typeof setTimeout> | undefined
  private online = 0
  private closed = false

  constructor(
    private readonly store: PresenceStore,
    private readonly nodeId: string,
    private readonly graceMs: number,
    private readonly onJoined: (joined: Joined[], record: Recording) => void,
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
    this.left.delete(key)
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
    const now = Date.now()
    this.forgetLeft(now)
    this.left.set(key, now)
    this.touch(key)
  }

  /**
   * Tells the store everything again (it lost it: Redis restarted empty, or this node's lease was pruned):
   * every scope held here is joined, every scope left within the grace is left again (a no-op where the
   * store has it) and restored where the store lost it.
   */
  resync(): Promise<void> {
    this.forgetLeft(Date.now())
    for (const key of this.counts.keys()) {
      this.recorded.delete(key)
      this.touch(key)
    }
    for (const key of this.left.keys()) {
      this.recorded.add(key)
      this.touch(key)
    }
    this.restoring = this.left.size > 0
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
      if (this.restoring) {
        this.forgetLeft(now)
        const left = [...this.left].filter(([key]) => !this.counts.has(key))
        await this.store.restore(left.map(([key, leftAt]) => ({ ...scopeOf(key), leftAt })))
        this.restoring = false
      }
      if (joins.length > 0) {
        const scopes = joins.map(scopeOf)
        const record = recording(now)
        const outcomes = await this.store.join(this.nodeId, scopes, now, record)
        for (const key of joins) this.recorded.add(key)
        this.onJoined(
          scopes.map((scope, i) => ({ scope, outcome: outcomes[i] ?? 'none', at: now })),
          record,
        )
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

  /** Scopes left longer ago than the grace are the sweep's now: no longer remembered. */
  private forgetLeft(now: number): void {
    for (const [key, leftAt] of this.left) {
      if (leftAt > now - this.graceMs) break
      this.left.delete(key)
    }
  }
}
