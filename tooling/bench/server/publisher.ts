/**
 * The bench's publisher, seen from the parent: one process of its own (`publisher-process.ts`) that posts
 * paced likes to each target's publish API, so every target is measured the same way and what publishing
 * costs is never counted as the server's.
 */
import { nextMessage, spawnTs, stopChild } from '../lib/spawn'

/** Where one stream of publishes goes. */
export interface PublishRoute {
  /** The publish URL: Likewire's and the Node baselines' `POST /v1/publish`, or nchan's publisher location. */
  url: string
  /** `batch`: `{ events: [...] }`, one request per tick (Likewire's API); `nchan`: one request per event, `?topic=`. */
  style: 'batch' | 'nchan'
  /** Published round robin, `ratePerSec` events a second in all. */
  topics: string[]
  /** An HTTPS target's certificate (the bench's self-signed one). */
  ca?: string | undefined
}

export interface PublishPlan {
  routes: PublishRoute[]
  /** Events per second on each route. */
  ratePerSec: number
  durationMs: number
  tickMs: number
}

/** What one route's publishes came to. */
export interface PublishOutcome {
  /** Accepted publishes per topic (2xx answers): what subscribers are owed. */
  perTopic: Record<string, number>
  failed: number
  /** Accepted requests of a tick's events (one per tick with events due, on a batch route): a flush per subscriber. */
  batches: number
  /** Wall time the route published, ms. */
  elapsedMs: number
}

export interface PublisherReport {
  type: 'published'
  outcomes: PublishOutcome[]
  /** The publisher process's own CPU while publishing, ms: not the servers'. */
  cpuMs: number
}

/** Publishes `plan` from a process of its own; resolves once every request has been answered. */
export async function publish(plan: PublishPlan): Promise<PublisherReport> {
  const child = spawnTs('../server/publisher-process.ts', { label: 'publisher' })
  try {
    await nextMessage(child, (m) => m.type === 'ready')
    const answer = nextMessage<PublisherReport>(
      child,
      (m) => m.type === 'published',
      plan.durationMs + 60_000,
    )
    child.send({ type: 'publish', plan })
    return await answer
  } finally {
    await stopChild(child)
  }
}
