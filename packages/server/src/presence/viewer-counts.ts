import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { Connection } from '../frontend/connection'
import type { Frontend } from '../frontend/frontend'
import { dataFrame } from '../protocol/frames'
import { metaTopic, viewedTopic, viewersTopic } from '../protocol/topic'
import type { Registry } from '../registry/registry'

/**
 * Viewer counts: each node records its local subscriber counts in the registry; at most once per
 * interval, one node of the cluster publishes a changed topic's total on `<topic>/$viewers`.
 */
export class ViewerCounts {
  private dirty = new Set<string>()
  private readonly timer: ReturnType<typeof setInterval>
  private readonly stopListening: () => void
  private ticking = false

  constructor(
    private readonly frontend: Frontend,
    private readonly registry: Registry,
    private readonly dispatcher: Dispatcher,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.stopListening = frontend.onCountChange((topic) => {
      if (metaTopic(topic) === null) this.dirty.add(topic)
    })
    this.timer = setInterval(() => void this.tick(), intervalMs)
    this.timer.unref()
  }

  /** Publishes the totals of topics whose local count changed since the last tick. */
  async tick(): Promise<void> {
    if (this.ticking || this.dirty.size === 0) return
    this.ticking = true
    const topics = [...this.dirty]
    this.dirty = new Set()
    try {
      await this.registry.setViewerCounts(
        this.frontend.nodeId,
        topics.map((topic) => [topic, this.frontend.localCount(topic)] as const),
      )
      const claims = await Promise.all(
        topics.map((topic) => this.registry.claimViewerPublish(topic, this.intervalMs)),
      )
      const claimed = topics.filter((_, i) => claims[i])
      // another node publishes this window; ours retries next tick so its count is never left out
      for (const topic of topics.filter((_, i) => !claims[i])) this.dirty.add(topic)
      if (claimed.length === 0) return
      const totals = await this.registry.viewerCounts(claimed)
      const events = this.dispatcher.encode(
        claimed.map((topic, i) => ({
          topic: viewersTopic(topic),
          dataJson: JSON.stringify({ topic, count: totals[i] ?? 0 }),
        })),
      )
      await this.dispatcher.dispatch(events)
    } catch (error) {
      for (const topic of topics) this.dirty.add(topic)
      this.logger.warn({ err: error }, 'viewer count update failed')
    } finally {
      this.ticking = false
    }
  }

  /**
   * Sends the current total to a connection that just subscribed to viewers meta topics. A registry
   * hiccup here never fails the stream or the request: the next count update carries the total.
   */
  async snapshot(connection: Connection, topics: readonly string[]): Promise<void> {
    const counted = topics.map(viewedTopic).filter((topic): topic is string => topic !== null)
    if (counted.length === 0) return
    let totals: number[]
    try {
      totals = await this.registry.viewerCounts(counted)
    } catch (error) {
      this.logger.warn({ err: error }, 'viewer count snapshot failed; the next count update will carry it')
      return
    }
    const events = this.dispatcher.encode(
      counted.map((topic, i) => ({
        topic: viewersTopic(topic),
        dataJson: JSON.stringify({ topic, count: totals[i] ?? 0 }),
      })),
    )
    await this.frontend.sendTo(connection, events.map(dataFrame))
  }

  close(): void {
    clearInterval(this.timer)
    this.stopListening()
  }
}
