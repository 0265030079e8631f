import type { LikewireClient, SubscribeOptions } from '../client'
import type { EventCallback, LikewireEvent } from '../event'
import { watchLifecycle } from '../lifecycle'
import { type ClientOptions, resolveOptions } from '../options'
import { watchMembers } from '../presence/members'
import { watchPresence } from '../presence/presence'
import { type ConnectionState, StateReason, StateStore } from '../state'
import { checkSubscribe } from '../subscribe-check'
import { claimElection, type Election, lockElection } from './election'
import { LeaderHub, leaderStreamClient, tabTimeoutMs } from './leader'
import { type ChannelLike, outranks, type ShareMessage } from './messages'
import { defaultShareKey, warnKeylessTokens } from './share-key'
import { BEAT_MS, channelName, type ResolvedShare } from './share-options'
import { TabSubscriptions } from './tab-subscriptions'

/** A tab's state while it has no stream of the leader's to show. */
const NO_STREAM = { nextRetryAt: null, connectionId: null } as const

/**
 * A client whose stream may live in another tab. Every tab runs one of these; the elected leader also runs
 * a LeaderHub with the one real stream client, and every tab (the leader too) hands its subscriptions to
 * the hub and gets its deliveries back, deduplicated per subscription across leader changes.
 */
export function createSharedClient(options: ClientOptions, share: ResolvedShare): LikewireClient {
  const opts = resolveOptions(options) // checks the options here, as a client of its own would
  if (share.key === undefined && options.getToken !== undefined) warnKeylessTokens()
  const { timers, onError } = opts
  const self = `${Date.now().toString(36)}-${Math.floor(opts.random() * 2 ** 48).toString(36)}`
  const store = new StateStore(onError)
  const subs = new TabSubscriptions(self, opts.dedupeSize, onError)
  let channel: ChannelLike | null = null
  let election: Election | null = null
  let hub: LeaderHub | null = null
  let term = 0
  let leader: { from: string; term: number } | null = null
  let lastHeard = 0
  /** Without a leader: since when (a leader silent past the timeout from then is taken over). */
  let leaderlessSince = 0
  let lastTick = 0
  let started = false
  let closed = false
  let parked = false
  /** This tab's own stream was refused for good (credentials): the state it shows while no other tab leads. */
  let refused: ConnectionState | null = null
  let telling = false
  let ticker: unknown
  let stopLifecycle: (() => void) | null = null

  const post = (message: ShareMessage) => {
    try {
      channel?.postMessage(message)
    } catch (error) {
      onError(error)
    }
  }
  const waitForLeader = () => {
    if (closed) return
    // refused: it never leads again, so without a leader it is closed, as a client of its own would be
    store.set(refused ?? { status: 'reconnecting', reason: StateReason.leaderChange, ...NO_STREAM })
  }
  /** Tells the leader this tab's whole list of subscriptions. */
  const tellSubs = (to: string) => post({ k: 'subs', from: self, to, subs: subs.requests() })
  /** Subscriptions changed: the leader is told once per microtask, so a remount is one change to it. */
  const subsChanged = () => {
    if (telling) return
    telling = true
    queueMicrotask(() => {
      telling = false
      if (leader && !hub && !closed && !parked) tellSubs(leader.from)
    })
  }

  const hooks = {
    lead(t: number) {
      term = t
      leader = { from: self, term }
      hub = new LeaderHub({
        self,
        createClient: () => leaderStreamClient(options),
        post: (items) => post({ k: 'out', from: self, term, items }),
        local: (items) => subs.deliver(items),
        state: (state) => {
          store.set(state)
          post({ k: 'state', from: self, term, state })
          if (state.status === 'closed') queueMicrotask(() => standDown(state))
        },
        timers,
        collectMs: share.collectMs,
      })
      post({ k: 'leader', from: self, term })
      hub.setSubs(self, subs.requests())
    },
    resigned() {
      // its own subscriptions hear no beat: where the stream stood is their floor for the next leader
      if (hub) subs.floors(hub.positions())
      hub?.close()
      hub = null
      if (leader?.from === self) leader = null
      waitForLeader()
    },
  }

  /**
   * The leader's stream ended for good (401, 403, a second token_expired): this tab gives the stream up and
   * never leads again, so a tab whose credentials work can lead; it follows that one if there is one.
   */
  function standDown(state: ConnectionState): void {
    if (closed || !hub) return
    refused = state
    post({ k: 'bye', from: self })
    election?.stop() // resigns: the hub closes
  }

  /** A message from a leader (announce, beat, state, deliveries): who leads, then what it says. */
  function fromLeader(message: Extract<ShareMessage, { term: number }>): void {
    const claim = { term: message.term, from: message.from }
    if (hub) {
      if (!outranks(claim, { term, from: self })) {
        post({ k: 'leader', from: self, term }) // we outrank it: it hears us and steps down
        return
      }
      election?.heard(message.term, true) // resigns: the hub closes
    } else election?.heard(message.term, false)
    const gone = Date.now() - lastHeard > share.leaderTimeoutMs
    // the same tab under a later term leads anew: its new hub holds nothing of this tab's yet
    const taken =
      !leader || (leader.from === message.from ? message.term > leader.term : gone || outranks(claim, leader))
    if (taken) {
      leader = claim
      tellSubs(claim.from)
    }
    // an old leader, or an old term of this one, still talking: not ours any more
    if (!leader || leader.from !== message.from || leader.term !== message.term) return
    lastHeard = Date.now()
    if (message.k === 'state') leaderState(message.state)
    else if (message.k === 'out') subs.deliver(message.items)
    else if (message.k === 'beat') {
      if (message.state) leaderState(message.state)
      subs.floors(message.positions)
    } else if (message.k === 'resend' && message.to === self && !taken) tellSubs(leader.from)
  }

  /** The leader's stream state; closed means it gives the stream up (another tab, maybe this one, leads next). */
  function leaderState(state: ConnectionState): void {
    if (state.status === 'closed') waitForLeader()
    else store.set(state)
  }

  function receive(message: ShareMessage): void {
    if (closed || parked || message.from === self) return
    const held = hub?.heard(message.from) ?? false
    switch (message.k) {
      case 'hello':
        if (hub) post({ k: 'leader', from: self, term })
        return
      case 'leader':
      case 'beat':
      case 'state':
      case 'out':
      case 'resend':
        fromLeader(message)
        return
      case 'subs':
        if (!hub || message.to !== self) return
        hub.setSubs(message.from, message.subs)
        if (hub.state) post({ k: 'state', from: self, term, state: hub.state }) // the joining tab shows it now
        return
      case 'alive':
        // it follows this leader, which dropped it (silent too long: throttled, an alert(), suspended)
        if (hub && !held && message.to === self && message.term === term)
          post({ k: 'resend', from: self, term, to: message.from })
        return
      case 'bye':
        hub?.dropTab(message.from)
        if (leader?.from !== message.from) return
        leader = null
        leaderlessSince = Date.now()
        waitForLeader()
        election?.leaderLeft()
        return
    }
  }

  function leaderGone(): void {
    leader = null
    waitForLeader()
    election?.leaderSilent()
  }

  function tick(): void {
    if (closed) return
    const now = Date.now()
    // a tick this late: this tab stalled, and the others' messages still wait in its queue
    const stalled = now - lastTick > 4 * BEAT_MS
    lastTick = now
    if (parked) {
      // nothing to say while parked
    } else if (hub) {
      const positions = hub.positions()
      post({ k: 'beat', from: self, term, positions, state: hub.state })
      subs.floors(positions) // its own subscriptions: a tab never hears its own beat
      if (!stalled) hub.dropSilent(tabTimeoutMs(share.leaderTimeoutMs))
    } else {
      post({ k: 'alive', from: self, to: leader?.from, term: leader?.term })
      const since = leader ? lastHeard : leaderlessSince
      if (now - since > share.leaderTimeoutMs) leaderGone()
    }
    ticker = timers.setTimeout(tick, BEAT_MS)
  }

  async function start(): Promise<void> {
    started = true
    leaderlessSince = Date.now()
    lastTick = leaderlessSince
    store.set({ status: 'connecting', reason: StateReason.connect, ...NO_STREAM })
    // other credentials, another key: tabs of two users never share; credentials that cannot be had
    // now leave this tab on its own (its stream client retries them with backoff), never in a wrong group
    const key =
      share.key ??
      (await defaultShareKey(opts).catch((error: unknown) => {
        onError(error)
        return `tab:${self}`
      }))
    if (closed) return
    const name = channelName(key)
    channel = share.channel(name)
    channel.onmessage = (event) => receive(event.data as ShareMessage)
    election = share.locks
      ? lockElection(share.locks, `${name}:leader`, hooks, timers, opts.random)
      : claimElection(hooks, timers, opts.random, share.leaderTimeoutMs / 5)
    election.start()
    post({ k: 'hello', from: self })
    ticker = timers.setTimeout(tick, BEAT_MS)
    stopLifecycle = watchLifecycle(opts.lifecycleSource, opts.parkAfterMs, timers, { park, unpark })
  }

  /** Frozen, or hidden past `parkAfterMs`: this tab leaves the share (resigning if it leads), keeping its positions. */
  function park(): void {
    if (closed || parked) return
    parked = true
    post({ k: 'bye', from: self })
    election?.stop()
    leader = null
    store.set({ status: 'reconnecting', reason: StateReason.parked, ...NO_STREAM })
  }

  /** Active again: it rejoins, and its subscriptions resume from where each was (from the leader's buffer or the server). */
  function unpark(): void {
    if (closed || !parked) return
    parked = false
    leaderlessSince = Date.now()
    lastTick = leaderlessSince
    waitForLeader()
    if (!refused) election?.start()
    post({ k: 'hello', from: self })
  }

  const client: LikewireClient = {
    get state() {
      return store.state
    },
    subscribe<T>(topic: string, callback: (event: LikewireEvent<T>) => void, options: SubscribeOptions = {}) {
      const { rewind, resumeFrom } = checkSubscribe(topic, callback, options)
      if (closed) return () => {}
      const sub = subs.add({
        topic,
        callback: callback as EventCallback,
        onGap: options.onGap,
        onSubscribed: options.onSubscribed,
        onError: options.onError,
        rewind,
        resumeFrom,
      })
      if (!started) void start().catch(onError)
      if (hub) hub.addSub(self, subs.request(sub))
      else if (leader) subsChanged()
      let removed = false
      return () => {
        if (removed) return
        removed = true
        subs.remove(sub.id)
        if (hub) hub.removeSub(self, sub.id)
        else if (leader) subsChanged()
      }
    },
    onStateChange(listener) {
      return store.subscribe(listener)
    },
    positionOf: (topic) => subs.positionOf(topic),
    // on this tab's subscribe: the leader's stream hands a late subscription the current state
    watchPresence: (memberId, callback) => watchPresence(client, memberId, callback),
    members: (topic, callback) => watchMembers(client, topic, callback),
    close() {
      if (closed) return
      closed = true
      timers.clearTimeout(ticker)
      stopLifecycle?.()
      post({ k: 'bye', from: self })
      election?.stop()
      hub?.close()
      hub = null
      channel?.close()
      channel = null
      subs.clear()
      store.set({ status: 'closed', reason: StateReason.clientClosed, ...NO_STREAM })
      store.clear()
    },
  }
  return client
}
