import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import { ErrorCode, LikewireError, unavailable } from '../protocol/errors'
import { ControlEvent, controlFrame, type EncodedEvent, preambleFrames, retryFrame } from '../protocol/frames'
import type { Registry } from '../registry/registry'
import type { DeliveryTarget } from '../transport/transport'
import { Connection, type DisconnectReason } from './connection'
import { Fanout } from './fanout'
import { FrontendHistory, type FrontendHistoryParts } from './history'
import { Listeners } from './listeners'
import type { RecoveryRequest } from './recovery'
import { RegistrySync } from './registry-sync'
import type { ConnectionSink } from './sink'
import { TopicTable } from './topic-table'

export interface FrontendConfig {
  nodeId: string
  heartbeatMs: number
  retryMs: number
  maxBufferedBytes: number
  maxConnections: number
  maxSubscriptionsPerConnection: number
  /** A fixed window (0: every tick) or `'auto'`: one following the load, up to `maxFlushWindowMs`. */
  flushWindowMs: number | 'auto'
  maxFlushWindowMs: number
}

/**
 * The frontend node (connection manager): holds the SSE connections and the in-memory topic table,
 * and delivers an event with one table lookup and one pre-encoded frame per connection.
 */
export class Frontend implements DeliveryTarget {
  readonly nodeId: string
  private readonly connections = new Map<string, Connection>()
  private readonly table = new TopicTable()
  private readonly sync: RegistrySync
  private readonly fanout: Fanout
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private draining = false
  private subscriptionCount = 0
  /** Connections whose connect-time topics are still being recorded (not yet told to onOpen listeners). */
  private readonly opening = new Set<Connection>()
  private readonly countChanges = new Listeners<[topic: string]>()
  private readonly memberships = new Listeners<[connection: Connection, topic: string, subscribed: boolean]>()
  private readonly opens = new Listeners<[connection: Connection]>()
  private readonly closes = new Listeners<[connection: Connection, reason: DisconnectReason]>()
  private readonly history: FrontendHistory | undefined

  constructor(
    private readonly config: FrontendConfig,
    registry: Registry,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    history?: FrontendHistoryParts,
  ) {
    this.nodeId = config.nodeId
    this.sync = new RegistrySync(
      registry,
      config.nodeId,
      () => this.localTopics(),
      (topic) => this.table.count(topic) > 0,
    )
    this.history = FrontendHistory.create(history, {
      metrics,
      maxBufferedBytes: config.maxBufferedBytes,
      logger,
      drop: (connection) => this.remove(connection, 'server_error'),
      dropSlow: (connection) => this.remove(connection, 'slow_consumer'),
      subscribers: (topic) => this.table.get(topic),
      send: (connection, frame) => this.fanout.send(connection, frame),
      deliverOrdered: (events) => this.fanout.deliver(events),
    })
    // built after history, which it holds events for; history reaches it through the closures above
    this.fanout = new Fanout({
      ...config,
      table: this.table,
      metrics,
      drop: (connection) => this.remove(connection, 'slow_consumer'),
      history: this.history,
    })
    this.heartbeatTimer = setInterval(() => this.heartbeat(), config.heartbeatMs)
    this.heartbeatTimer.unref()
    metrics.sources.connections = () => this.connections.size
    metrics.sources.topics = () => this.table.size
    metrics.sources.subscriptions = () => this.subscriptionCount
  }

  /** Calls `listener` when a topic's local subscriber count changes (viewer counts); returns its removal. */
  onCountChange(listener: (topic: string) => void): () => void {
    return this.countChanges.add(listener)
  }

  /** Calls `listener` when a member's connection subscribes or unsubscribes a topic (presence); returns its removal. */
  onMembershipChange(
    listener: (connection: Connection, topic: string, subscribed: boolean) => void,
  ): () => void {
    return this.memberships.add(listener)
  }

  /** Calls `listener` once a connection is accepted with its connect-time topics; returns its removal. */
  onOpen(listener: (connection: Connection) => void): () => void {
    return this.opens.add(listener)
  }

  /** Calls `listener` when an accepted connection ends, with why; returns its removal. */
  onClose(listener: (connection: Connection, reason: DisconnectReason) => void): () => void {
    return this.closes.add(listener)
  }

  /** True once close() began: connects are refused and health reports it. */
  get isDraining(): boolean {
    return this.draining
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Topics with at least one local subscriber (what this node must hold in the registry). */
  localTopics(): string[] {
    return [...this.table.topics()]
  }

  localCount(topic: string): number {
    return this.table.count(topic)
  }

  /** Accepts a connection with its connect-time topics; the preamble is written only once the registry agrees. */
  async open(
    sink: ConnectionSink,
    identity: unknown,
    topics: readonly string[],
    recovery?: ReadonlyMap<string, RecoveryRequest>,
  ): Promise<Connection> {
    if (this.draining) throw unavailable('This node is shutting down; reconnect to another')
    if (this.connections.size >= this.config.maxConnections) {
      throw new LikewireError(429, ErrorCode.tooManyConnections, 'This node holds its maximum of connections')
    }
    // the id names its node, so any frontend behind a load balancer can route a subscribe to the owner
    const connection = new Connection(`${this.nodeId}.${randomUUID()}`, identity, sink)
    this.connections.set(connection.id, connection)
    this.opening.add(connection)
    sink.onClose(() => this.remove(connection, 'client_closed'))
    try {
      await this.subscribe(connection, topics, recovery)
    } catch (error) {
      this.remove(connection, 'server_error')
      throw error
    }
    // gone while its topics were recorded (the client left, a drain): never announced, never counted
    if (!this.opening.delete(connection)) return connection
    this.metrics.connectionsOpened.inc()
    this.opens.emit(connection)
    return connection
  }

  /** The frames every stream starts with: reconnect delay, then who it is connected to. */
  preamble(connection: Connection): Buffer {
    const { retryMs, heartbeatMs } = this.config
    return preambleFrames(retryMs, { connectionId: connection.id, nodeId: this.nodeId, heartbeatMs })
  }

  /** The local connection with this id, if this node holds it. */
  find(connectionId: unknown): Connection | undefined {
    return typeof connectionId === 'string' ? this.connections.get(connectionId) : undefined
  }

  connection(connectionId: unknown): Connection {
    const connection = this.find(connectionId)
    if (connection) return connection
    throw new LikewireError(404, ErrorCode.unknownConnection, 'No open connection with this connectionId')
  }

  /** Adds subscriptions; resolves to those new to the connection once the registry has all the topics for this node. */
  async subscribe(
    connection: Connection,
    topics: readonly string[],
    recovery?: ReadonlyMap<string, RecoveryRequest>,
  ): Promise<string[]> {
    // a connection can close while its subscribe awaited authorization
    if (connection.closed || this.connections.get(connection.id) !== connection) {
      throw new LikewireError(404, ErrorCode.unknownConnection, 'The connection closed')
    }
    const fresh = topics.filter((topic) => !connection.topics.has(topic))
    if (connection.topics.size + fresh.length > this.config.maxSubscriptionsPerConnection) {
      throw new LikewireError(
        400,
        ErrorCode.tooManySubscriptions,
        `A connection holds at most ${this.config.maxSubscriptionsPerConnection} subscriptions`,
      )
    }
    const firsts: string[] = []
    // a fresh history subscription asking to resume or rewind holds its live events from this moment on
    const catchUp = this.history?.applicable(recovery, fresh)
    for (const topic of fresh) {
      connection.topics.add(topic)
      this.subscriptionCount++
      if (this.table.add(topic, connection)) {
        firsts.push(topic)
        this.history?.anchor(topic)
      }
      this.countChanges.emit(topic)
      if (connection.memberId !== null) this.memberships.emit(connection, topic, true)
    }
    const begun = catchUp?.size ? this.history!.begin(connection, catchUp) : undefined
    if (firsts.length > 0) void this.sync.touch(firsts).catch(() => {})
    try {
      await this.sync.settled(topics)
    } catch (error) {
      // not acknowledged: undo, so a retry records the topics again instead of finding them present
      await this.unsubscribe(connection, fresh)
      this.logger.warn({ err: error }, 'registry unavailable while subscribing')
      throw unavailable('The registry is unavailable; the subscription is not acknowledged, retry later')
    }
    // recorded: every later publish reaches this node, so the missed range read now is all there is
    if (begun) this.history!.run(connection, begun)
    return fresh
  }

  async unsubscribe(connection: Connection, topics: readonly string[]): Promise<void> {
    const lasts: string[] = []
    for (const topic of topics)
      if (connection.topics.delete(topic) && this.dropped(connection, topic)) lasts.push(topic)
    this.history?.cancel(connection, topics)
    for (const topic of lasts) this.history?.forget(topic)
    // a failed removal only costs a wasted delivery later: the frontend drops events it has no table entry for
    if (lasts.length > 0) await this.sync.touch(lasts).catch(() => {})
  }

  /** One subscription ended: counted and told; true when it was this node's last subscriber of the topic. */
  private dropped(connection: Connection, topic: string): boolean {
    this.subscriptionCount--
    const last = this.table.remove(topic, connection)
    this.countChanges.emit(topic)
    if (connection.memberId !== null) this.memberships.emit(connection, topic, false)
    return last
  }

  /** Delivers events from a dispatcher (history topics sequenced by offset first); see fanout.ts. */
  deliver(events: readonly EncodedEvent[]): void {
    this.fanout.deliver(this.history ? this.history.order(events) : events)
  }

  /** Sends frames to one connection, each once it has room (a meta subscriber's snapshots; Fanout.sendPaced). */
  sendTo(connection: Connection, frames: readonly Buffer[]): Promise<void> {
    return this.fanout.sendPaced(connection, frames)
  }

  private heartbeat(): void {
    const frame = controlFrame(ControlEvent.heartbeat, { t: Date.now() })
    for (const connection of this.connections.values()) this.fanout.send(connection, frame)
  }

  /** Forgets a connection and its subscriptions; safe to call twice. */
  remove(connection: Connection, reason: DisconnectReason): void {
    if (!this.connections.delete(connection.id)) return
    this.fanout.forget(connection)
    const lasts: string[] = []
    for (const topic of connection.topics) if (this.dropped(connection, topic)) lasts.push(topic)
    this.history?.cancel(connection, connection.topics)
    for (const topic of lasts) this.history?.forget(topic)
    connection.topics.clear()
    connection.close(reason === 'slow_consumer' ? 'destroy' : 'end')
    this.metrics.disconnects.inc({ reason })
    // only an accepted connection's end is told: one that never opened was never announced
    if (!this.opening.delete(connection)) this.closes.emit(connection, reason)
    if (reason === 'slow_consumer') this.logger.info({ connectionId: connection.id }, 'dropped slow consumer')
    if (lasts.length > 0) this.sync.touch(lasts).catch(() => {})
  }

  /** Graceful close: every client gets a jittered reconnect hint, then its stream ends. */
  drain(jitterMs: number, random: () => number = Math.random): void {
    this.draining = true
    clearInterval(this.heartbeatTimer)
    for (const connection of [...this.connections.values()]) {
      const delayMs = Math.round(random() * jitterMs)
      connection.writeNow(
        Buffer.concat([
          retryFrame(delayMs),
          controlFrame(ControlEvent.reconnect, { reason: 'shutdown', delayMs }),
        ]),
      )
      this.remove(connection, 'shutdown')
    }
  }

  /** Re-records every local topic in the registry (after a registry restart or a lost lease). */
  async resync(): Promise<void> {
    await this.sync.resync()
    // the registry may have lost the viewer counts too: publish them again
    for (const topic of this.table.topics()) this.countChanges.emit(topic)
  }

  /** True when no registry write is pending, so the registry should match the local table. */
  get registryIdle(): boolean {
    return this.sync.idle
  }
}
