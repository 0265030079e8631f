import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { Connection } from '../frontend/connection'
import type { Frontend } from '../frontend/frontend'
import type { Metrics } from '../metrics/metrics'
import type { PresenceOptions } from '../options'
import { metaTopic } from '../protocol/topic'
import type { PresenceStatus, PresenceStore } from '../registry/presence-store'
import { MembersChanges } from './members'
import { type ResolvedPresence, resolvePresence } from './options'
import { publishPresence } from './payloads'
import { sendSnapshots } from './snapshots'
import { type Joined, PresenceTracker } from './tracker'

/** Sends this datacenter's own member presence transitions to its peer datacenters, once each. */
export interface PresenceForwarder {
  send(changes: readonly PresenceStatus[]): void
  close(): Promise<void>
}

export interface PresenceParts {
  frontend: Frontend
  store: PresenceStore
  dispatcher: Dispatcher
  metrics: Metrics
  logger: Logger
  options?: PresenceOptions | undefined
  /** Peer datacenters (cluster): none when undefined. */
  forwarder?: PresenceForwarder | undefined
}

/** Members swept per store call: a backlog goes as several short script runs. */
const SWEEP_LIMIT = 1000

/**
 * Member presence and topic members on a node that holds connections: its connections' transitions go to
 * the store (tracker.ts); the changes the store answers are published once on the meta topics, through
 * this node's dispatcher; every node sweeps members past the grace (each taken by one node); watchers
 * get a snapshot when they subscribe.
 */
export class Presence {
  readonly options: ResolvedPresence
  private readonly tracker: PresenceTracker
  private readonly members: MembersChanges
  private readonly stops: Array<() => void>
  private readonly sweeper: ReturnType<typeof setInterval>
  private sweeping = false

  constructor(private readonly parts: PresenceParts) {
    this.options = resolvePresence(parts.options)
    const { frontend, store, dispatcher, metrics, logger } = parts
    this.tracker = new PresenceTracker(store, frontend.nodeId, (joined) => this.joined(joined), logger)
    const { intervalMs, membersLimit, graceMs } = this.options
    this.members = new MembersChanges(store, dispatcher, intervalMs, membersLimit, logger)
    const global = (connection: Connection) => ({ topic: null, memberId: connection.memberId! })
    this.stops = [
      frontend.onOpen((connection) => {
        if (connection.memberId !== null) this.tracker.add(global(connection))
      }),
      frontend.onClose((connection) => {
        if (connection.memberId !== null) this.tracker.remove(global(connection))
      }),
      // members of ordinary topics only: watching `t/$viewers` makes no one a member of `t`
      frontend.onMembershipChange((connection, topic, subscribed) => {
        if (metaTopic(topic) !== null) return
        const scope = { topic, memberId: connection.memberId! }
        if (subscribed) this.tracker.add(scope)
        else this.tracker.remove(scope)
      }),
    ]
    metrics.sources.members = () => this.tracker.membersOnline
    // offline lands at most a quarter of the grace (and a second) after it ends
    this.sweeper = setInterval(() => void this.sweep(), Math.min(1000, Math.max(50, graceMs / 4)))
    this.sweeper.unref()
  }

  /** Sends a connection that subscribed to presence or members meta topics their current state (paced). */
  async snapshot(connection: Connection, topics: readonly string[]): Promise<void> {
    try {
      await sendSnapshots(this.parts, connection, topics, this.options.membersLimit)
    } catch (error) {
      // the stream and the request go on: the next change carries the state
      this.parts.logger.warn({ err: error }, 'presence snapshot failed; the next change will carry it')
    }
  }

  /** Members past the grace go offline (or leave their topics): published by whichever node took them. */
  async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    const { store, dispatcher, metrics, logger, forwarder } = this.parts
    try {
      for (;;) {
        const swept = await store.sweep(Date.now() - this.options.graceMs, SWEEP_LIMIT)
        const offline: PresenceStatus[] = []
        const forward: PresenceStatus[] = []
        for (const { topic, memberId, since, global } of swept) {
          if (topic !== null) {
            this.members.changed(topic)
            continue
          }
          const change: PresenceStatus = { memberId, status: 'offline', since }
          forward.push(change)
          if (global) offline.push(change)
        }
        if (forward.length > 0) forwarder?.send(forward)
        await publishPresence(dispatcher, metrics, offline)
        if (swept.length < SWEEP_LIMIT) break
      }
    } catch (error) {
      logger.warn({ err: error }, 'presence sweep failed')
    } finally {
      this.sweeping = false
    }
  }

  /** Publishes the topic members changes this node knows of now, window permitting (else at the next tick). */
  publishMembers(): Promise<void> {
    return this.members.tick()
  }

  /** The store lost this node's presence (Redis restarted empty, lease pruned): told again. */
  resync(): Promise<void> {
    return this.tracker.resync()
  }

  /** Resolves once every local change so far reached the store. */
  settled(): Promise<void> {
    return this.tracker.settled()
  }

  /** Stops the timers and sends the last changes (the drain's closes: members leave with the grace). */
  async close(): Promise<void> {
    for (const stop of this.stops) stop()
    clearInterval(this.sweeper)
    this.members.close()
    await this.tracker.close()
    await this.parts.forwarder?.close()
  }

  private joined(joined: readonly Joined[]): void {
    const { dispatcher, metrics, logger, forwarder } = this.parts
    const online: PresenceStatus[] = []
    const forward: PresenceStatus[] = []
    for (const { scope, outcome, at } of joined) {
      if (outcome === 'none') continue
      if (outcome === 'absorbed') {
        if (scope.topic === null) metrics.flapsAbsorbed.inc()
        continue
      }
      if (scope.topic !== null) {
        this.members.changed(scope.topic)
        continue
      }
      const change: PresenceStatus = { memberId: scope.memberId, status: 'online', since: at }
      forward.push(change)
      if (outcome === 'joined') online.push(change)
    }
    if (forward.length > 0) forwarder?.send(forward)
    publishPresence(dispatcher, metrics, online).catch((error: unknown) =>
      logger.warn({ err: error }, 'presence publish failed'),
    )
  }
}
