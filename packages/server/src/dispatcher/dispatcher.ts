import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import { unavailable } from '../protocol/errors'
import type { EncodedEvent } from '../protocol/frames'
import type { Registry } from '../registry/registry'
import type { FrontendTransport } from '../transport/transport'
import { createEventIdSource } from './event-id'
import type { ValidPublish } from './publish-input'
import { type HistoryRecorder, withoutPosition } from './recorder'

/** Forwards a publish to peer datacenters (cluster mode); absent when there are no peers. */
export interface PeerForwarder {
  forward(events: readonly EncodedEvent[]): Promise<void>
}

/**
 * The dispatcher (challenges 4-6 of the talk): stateless. Stamps each event with an id and its receipt
 * time, serializes it once, asks the registry which frontend nodes hold subscribers, and sends each
 * node its events in one batch.
 */
export interface DispatcherParts {
  /** Where topic -> frontend nodes is looked up. */
  registry: Registry
  /** How frontend nodes are reached. */
  transport: FrontendTransport
  /** Peer datacenters each backend publish is forwarded to once; none when undefined. */
  peers?: PeerForwarder | undefined
  /** Records the events of history topics before they are delivered; none when no topic has history. */
  history?: HistoryRecorder | undefined
  metrics: Metrics
  logger: Logger
}

export class Dispatcher {
  private readonly nextId = createEventIdSource()
  private readonly registry: Registry
  private readonly transport: FrontendTransport
  private readonly peers: PeerForwarder | undefined
  private readonly history: HistoryRecorder | undefined
  private readonly metrics: Metrics
  private readonly logger: Logger

  constructor(parts: DispatcherParts) {
    this.registry = parts.registry
    this.transport = parts.transport
    this.peers = parts.peers
    this.history = parts.history
    this.metrics = parts.metrics
    this.logger = parts.logger
  }

  /** Stamps and encodes validated publishes of fire-and-forget topics (viewer counts): one serialization each. */
  encode(publishes: readonly ValidPublish[]): EncodedEvent[] {
    const ts = Date.now()
    return publishes.map(({ topic, dataJson }) => {
      const id = this.nextId()
      const json = `{"topic":${JSON.stringify(topic)},"id":"${id}","ts":${ts},"data":${dataJson}}`
      return { topic, id, ts, json }
    })
  }

  /**
   * Publishes events taken from a backend: delivered here and forwarded once to each peer datacenter.
   * Resolves once every subscribed frontend of this datacenter took its batch (or failed, counted):
   * an answer means forwarded. Peers get it in the background, once the local lookup succeeded, so a
   * 503 retried by the backend is never doubled in a peer datacenter.
   */
  async publish(publishes: readonly ValidPublish[]): Promise<string[]> {
    let events: EncodedEvent[]
    let ids: string[]
    let routes: Map<string, string[]> | undefined
    if (this.history) {
      const ts = Date.now()
      const drafts = publishes.map(({ topic, dataJson, key }) => ({
        topic,
        id: this.nextId(),
        ts,
        dataJson,
        key,
      }))
      // recorded first, looked up after (in the same round trip when the store can): a subscriber recorded
      // meanwhile either is looked up or reads the event from history
      ;({
        deliver: events,
        ids,
        routes,
      } = await this.history.record(drafts, [...new Set(drafts.map((d) => d.topic))]))
    } else {
      events = this.encode(publishes)
      ids = events.map((event) => event.id)
    }
    await this.dispatch(
      events,
      () => {
        this.peers?.forward(events).catch(() => {})
      },
      routes,
    )
    this.metrics.published.inc(events.length)
    return ids
  }

  private lookup(events: ReadonlyArray<{ topic: string }>): Promise<Map<string, string[]>> {
    return this.registry.nodesFor([...new Set(events.map((event) => event.topic))])
  }

  /** A peer datacenter's publish: recorded in this datacenter's history where a rule says so, delivered here only. */
  async dispatchForwarded(events: readonly EncodedEvent[]): Promise<void> {
    await this.dispatch(
      this.history ? await this.history.recordForwarded(events) : events.map(withoutPosition),
    )
  }

  /** Delivers already-encoded events in this datacenter only (a forwarded publish stops here). */
  async dispatch(
    events: readonly EncodedEvent[],
    onRouted?: () => void,
    lookedUp?: Map<string, string[]>,
  ): Promise<void> {
    let routes: Map<string, string[]>
    try {
      routes = lookedUp ?? (await this.lookup(events))
    } catch (error) {
      this.logger.warn({ err: error }, 'registry lookup failed')
      throw unavailable('The registry is unavailable; the publish was not accepted')
    }
    const perNode = new Map<string, EncodedEvent[]>()
    for (const event of events) {
      for (const nodeId of routes.get(event.topic) ?? []) {
        let batch = perNode.get(nodeId)
        if (!batch) {
          batch = []
          perNode.set(nodeId, batch)
        }
        batch.push(event)
      }
    }
    onRouted?.()
    // in parallel, each with its own timeout: one node failing never holds back the others; counted
    await Promise.all(
      [...perNode].map(([nodeId, batch]) =>
        this.transport.deliver(nodeId, batch).catch((error: unknown) => {
          this.metrics.forwardFailures.inc({ target: 'frontend' })
          this.logger.warn({ err: error, nodeId }, 'delivery to frontend node failed')
        }),
      ),
    )
  }
}
