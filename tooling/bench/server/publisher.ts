/** The in-process publisher: a paced stream of likes, in one `publishMany` per tick. */

export interface PublishTarget {
  publishMany(events: readonly { topic: string; data: unknown }[]): Promise<void>
  /** Local subscribers of a topic now: what one publish should deliver. */
  subscribers(topic: string): number
}

export interface PublishOutcome {
  perTopic: Record<string, number>
  failed: number
  /** Accepted `publishMany` calls (one per tick with events due): each is one flush on every subscriber. */
  batches: number
  /** Sum over accepted publishes of the topic's subscriber count at publish time. */
  expectedDeliveries: number
  /** Wall time the publisher ran, ms. */
  elapsedMs: number
}

export interface PublishPlan {
  topics: string[]
  ratePerSec: number
  durationMs: number
  tickMs: number
}

/** Publishes at a steady rate (catching up if a tick ran late); resolves with what was accepted. */
export function startPublisher(target: PublishTarget, plan: PublishPlan): Promise<PublishOutcome> {
  const perTopic: Record<string, number> = {}
  let failed = 0
  let batches = 0
  let expectedDeliveries = 0
  let sent = 0
  let next = 0
  const inFlight = new Set<Promise<void>>()
  const startedAt = performance.now()
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = Math.min(performance.now() - startedAt, plan.durationMs)
      const due = Math.floor((plan.ratePerSec * elapsed) / 1000) - sent
      if (due > 0) {
        const events: Array<{ topic: string; data: unknown }> = []
        for (let i = 0; i < due; i++) {
          const topic = plan.topics[next++ % plan.topics.length]!
          events.push({ topic, data: { like: { user: `u${(sent + i) % 100_000}`, reaction: 'like' } } })
        }
        sent += due
        let expected = 0
        for (const { topic } of events) expected += target.subscribers(topic)
        const publish = target.publishMany(events).then(
          () => {
            batches++
            expectedDeliveries += expected
            for (const { topic } of events) perTopic[topic] = (perTopic[topic] ?? 0) + 1
          },
          () => {
            failed += events.length
          },
        )
        inFlight.add(publish)
        void publish.finally(() => inFlight.delete(publish))
      }
      if (elapsed < plan.durationMs) return
      clearInterval(timer)
      void Promise.all(inFlight).then(() =>
        resolve({ perTopic, failed, batches, expectedDeliveries, elapsedMs: performance.now() - startedAt }),
      )
    }
    const timer = setInterval(tick, plan.tickMs)
    tick()
  })
}
