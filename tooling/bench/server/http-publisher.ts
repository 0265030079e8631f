/** Publishes over `POST /v1/publish`, as an app's backend would: a history topic at a steady rate, others slower. */

export interface HttpPublishPlan {
  /** The Likewire server's URL. */
  url: string
  /** The topic with a history rule, published `ratePerSec` times a second. */
  historyTopic: string
  ratePerSec: number
  /** Fire-and-forget topics, read at each of their publishes (tabs come and go), one event each per `othersEveryMs`. */
  others: () => string[]
  othersEveryMs: number
}

const TICK_MS = 25

/**
 * A paced publisher (catching up if a tick ran late, in one batch request per tick). `historyAccepted` is
 * the topic's head: offsets run 1, 2, 3, ... on the server's fresh history, one per accepted publish.
 */
export class HttpPublisher {
  historyAccepted = 0
  failed = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly plan: HttpPublishPlan) {}

  start(): void {
    if (this.timer) return
    const startedAt = performance.now()
    let sent = 0
    let othersAt = -Infinity
    this.timer = setInterval(() => {
      const elapsed = performance.now() - startedAt
      const due = Math.floor((this.plan.ratePerSec * elapsed) / 1000) - sent
      const events: Array<{ topic: string; data: unknown }> = []
      for (let i = 0; i < due; i++) events.push({ topic: this.plan.historyTopic, data: { n: sent + i } })
      sent += Math.max(0, due)
      if (elapsed - othersAt >= this.plan.othersEveryMs) {
        othersAt = elapsed
        for (const topic of this.plan.others()) events.push({ topic, data: { at: elapsed } })
      }
      if (events.length > 0) this.send(events, Math.max(0, due))
    }, TICK_MS)
  }

  /** Stops publishing; resolves once every request sent has been answered. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await Promise.all(this.inFlight)
  }

  private send(events: Array<{ topic: string; data: unknown }>, history: number): void {
    const request = fetch(`${this.plan.url}/v1/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(5000),
    }).then(
      async (response) => {
        await response.arrayBuffer()
        if (response.status === 202) this.historyAccepted += history
        else this.failed += events.length
      },
      () => {
        this.failed += events.length
      },
    )
    this.inFlight.add(request)
    void request.finally(() => this.inFlight.delete(request))
  }
}
