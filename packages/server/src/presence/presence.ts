import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { Connection } from '../frontend/connection'
import type { Frontend } from '../frontend/frontend'
import { READ_RETRY_DELAYS_MS } from '../frontend/history-reads'
import type { Metrics } from '../metrics/metrics'
import type { PresenceOptions } from '../options'
import { metaTopic } from '../protocol/topic'
import type { PresenceStatus, PresenceStore, Recording } from '../registry/presence-store'
import { type DigestTarget, PresenceDigests } from './digests'
import { MembersChanges } from './members'
import { type ResolvedPresence, resolvePresence } from './options'
import { publishPresence } from './payloads'
import { confirm, presenceEntries, recording, replayUnpublished } from './publishing'
import { sendSnapshots } from './snapshots'
import { type Joined, PresenceTracker } from './tracker'

/** Sends this datacenter's own member presence to its peer datacenters: transitions once each, and digests. */
export interface PresenceForwarder extends DigestTarget {
  send(changes: readonly PresenceStatus[]): void
  /** Asks every peer for a digest: this datacenter's store lost what it knew of them. */
  ask(): Promise<void>
  /** Sends what is still queued, once, then stops. */
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
 * this node's dispatcher, then confirmed to the store (publishing.ts: any node publishes the current
 * state of a change left unconfirmed); every node sweeps members past the grace (each taken by one node);
 * watchers get a snapshot when they subscribe. With peer datacenters, transitions are forwarded and
 * digests sent (digests.ts).
 */
export class Presence {
  readonly options: ResolvedPresence
  private readonly tracker: PresenceTracker
  private readonly members: MembersChanges
  private readonly stops: Array<() => void>
  private readonly sweeper: ReturnType<typeof setInterval>
  private readonly digests: PresenceDigests | undefined
  private sweeping: Promise<void> | undefined

  constructor(private readonly parts: PresenceParts) {
    this.options = resolvePresence(parts.options)
    const { frontend, store, dispatcher, metrics, logger, forwarder } = parts
    const { intervalMs, membersLimit, graceMs, digestIntervalMs } = this.options
    this.tracker = new PresenceTracker(
      store,
      frontend.nodeId,
      graceMs,
      (joined, record) => this.joined(joined, record),
      logger,
    )
    this.digests = forwarder
      ? new PresenceDigests(store, forwarder, frontend.nodeId, digestIntervalMs, logger)
      : undefined
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

  /**
   * Sends a connection that subscribed to presence or members meta topics their current state (paced),
   * retried a few times. A watcher left without it would show nothing until the member's next change,
   * maybe hours later: past the retries its connection is closed, and its client subscribes again.
   */
  async snapshot(connection: Connection, topics: readonly string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendSnapshots(this.parts, connection, topics, this.options.membersLimit)
      } catch (error) {
        const delay = READ_RETRY_DELAYS_MS[attempt]
        if (connection.closed) return
        if (delay === undefined) {
          this.parts.logger.warn(
            { err: error },
            'presence snapshot failed; closing the stream so it subscribes again',
          )
          return this.parts.frontend.remove(connection, 'server_error')
        }
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /**
   * Members past the grace go offline (or leave their topics), and peer datacenters' states past their
   * time to live: published by whichever node took them. Then the changes nobody confirmed published in
   * time are published again, as their current state.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined
    })
    return this.sweeping
  }

  private async sweepOnce(): Promise<void> {
    const { store, dispatcher, metrics, logger, forwarder } = this.parts
    try {
      for (;;) {
        const now = Date.now()
        const record = recording(now)
        const swept = await store.sweep(now - this.options.graceMs, SWEEP_LIMIT, now, record)
        const offline: PresenceStatus[] = []
        const forward: PresenceStatus[] = []
        for (const { topic, memberId, since, global, remote } of swept) {
          if (topic !== null) {
            this.members.changed(topic, record.token)
            continue
          }
          const change: PresenceStatus = { memberId, status: 'offline', since }
          // another datacenter's state is never sent on: each sends only its own
          if (!remote) forward.push(change)
          if (global) offline.push(change)
        }
        if (forward.length > 0) forwarder?.send(forward)
        await publishPresence(dispatcher, metrics, offline)
        await confirm(store, presenceEntries(record, offline), logger)
        if (swept.length < SWEEP_LIMIT) break
      }
    } catch (error) {
      // what the store took is recorded: published again from there once its time comes
      logger.warn({ err: error }, 'presence sweep failed')
    }
    try {
      while (
        (await replayUnpublished(store, dispatcher, this.options.membersLimit, SWEEP_LIMIT)) >= SWEEP_LIMIT
      );
    } catch (error) {
      logger.warn({ err: error }, 'presence replay failed; retrying')
    }
  }

  /** Publishes the topic members changes this node knows of now, window permitting (else at the next tick). */
  publishMembers(): Promise<void> {
    return this.members.tick()
  }

  /**
   * The store lost this node's presence (Redis restarted empty, lease pruned): told again, and peer
   * datacenters asked for a digest (an empty Redis forgot their members too).
   */
  async resync(): Promise<void> {
    // not awaited: a slow peer must not hold up the registration tick that called this
    void this.parts.forwarder?.ask()
    await this.tracker.resync()
  }

  /** Resolves once every local change so far reached the store. */
  settled(): Promise<void> {
    return this.tracker.settled()
  }

  /**
   * Stops the timers and sends the last changes (the drain's closes: members leave with the grace), and
   * the transitions still queued for peer datacenters (an offline swept a moment ago).
   */
  async close(): Promise<void> {
    for (const stop of this.stops) stop()
    clearInterval(this.sweeper)
    this.members.close()
    await this.sweeping
    await this.digests?.close()
    await this.tracker.close()
    await this.parts.forwarder?.close()
  }

  private joined(joined: readonly Joined[], record: Recording): void {
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
        this.members.changed(scope.topic, record.token)
        continue
      }
      const change: PresenceStatus = { memberId: scope.memberId, status: 'online', since: at }
      forward.push(change)
      if (outcome === 'joined') online.push(change)
    }
    if (forward.length > 0) forwarder?.send(forward)
    publishPresence(dispatcher, metrics, online).then(
      () => confirm(this.parts.store, presenceEntries(record, online), logger),
      // recorded: published again from the store once its time comes
      (error: unknown) => logger.warn({ err: error }, 'presence publish failed'),
    )
  }
}
