import { createStreamClient, type LikewireClient, type SubscribeOptions } from '../client'
import type { EventCallback, LikewireEvent } from '../event'
import { alwaysActive, watchLifecycle } from '../lifecycle'
import { type ClientOptions, resolveOptions } from '../options'
import { watchMembers } from '../presence/members'
import { watchPresence } from '../presence/presence'
import { StateReason, StateStore } from '../state'
import { checkSubscribe } from '../subscribe-check'
import { claimElection, type Election, lockElection } from './election'
import { LeaderHub } from './leader'
import { type ChannelLike, outranks, type ShareMessage } from './messages'
import { BEAT_MS, channelName, type ResolvedShare } from './share-options'
import { TabSubscriptions } from './tab-subscriptions'

/** A follower silent this long is gone (closed without a word, crashed, frozen): its subscriptions go. */
const TAB_TIMEOUT_MS = 10 * BEAT_MS
/** Events the leader keeps per topic, so a tab that comes back resumes from memory. */
const LEADER_KEEP_RECENT = 1000

/**
 * A client whose stream may live in another tab. Every tab runs one of these; the elected leader also runs
 * a LeaderHub with the one real stream client, and every tab (the leader too) hands its subscriptions to
 * the hub and gets its deliveries back, deduplicated per subscription across leader changes.
 */
export function createSharedClient(options: ClientOptions, share: ResolvedShare): LikewireClient {
  const opts = resolveOptions(options) // checks the options here, as a client of its own would
  const { timers, onError } = opts
  const self = `${Date.now().toString(36)}-${Math.floor(opts.random() * 2 ** 48).toString(36)}`
  const store = new StateStore(onError)
  const subs = new TabSubscriptions(self, opts.dedupeSize, onError)
  const alive = new Map<string, number>()
  let channel: ChannelLike | null = null
  let election: Election | null = null
  let hub: LeaderHub | null = null
  let term = 0
  let leader: { from: string; term: number } | null = null
  let lastHeard = 0
  let startedAt = 0
  let started = false
  let closed = false
  let parked = false
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
    if (!closed)
      store.set({
        status: 'reconnecting',
        reason: StateReason.leaderChange,
        nextRetryAt: null,
        connectionId: null,
      })
  }

  const hooks = {
    lead(t: number) {
      term = t
      leader = { from: self, term }
      hub = new LeaderHub({
        self,
        createClient: () =>
          createStreamClient({
            ...options,
            share: false,
            lifecycleSource: alwaysActive, // this tab's lifecycle is the facade's: a parked tab resigns
            keepRecent: Math.max(options.keepRecent ?? 0, LEADER_KEEP_RECENT),
          }),
        post: (items) => post({ k: 'out', from: self, term, items }),
        local: (items) => subs.deliver(items),
        state: (state) => {
          store.set(state)
          post({ k: 'state', from: self, term, state })
        },
        timers,
        collectMs: share.collectMs,
      })
      post({ k: 'leader', from: self, term })
      hub.setSubs(self, subs.requests())
    },
    resigned() {
      hub?.close()
      hub = null
      if (leader?.from === self) leader = null
      waitForLeader()
    },
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
      post({ k: 'subs', from: self, to: claim.from, subs: subs.requests() })
    }
    // an old leader, or an old term of this one, still talking: not ours any more
    if (!leader || leader.from !== message.from || leader.term !== message.term) return
    lastHeard = Date.now()
    if (message.k === 'state') store.set(message.state)
    else if (message.k === 'out') subs.deliver(message.items)
    else if (message.k === 'beat') {
      if (message.state) store.set(message.state)
      subs.floors(message.positions)
    }
  }

  function receive(message: ShareMessage): void {
    if (closed || parked || message.from === self) return
    if (hub) alive.set(message.from, Date.now())
    switch (message.k) {
      case 'hello':
        if (hub) post({ k: 'leader', from: self, term })
        return
      case 'leader':
      case 'beat':
      case 'state':
      case 'out':
        fromLeader(message)
        return
      case 'subs':
        if (!hub || message.to !== self) return
        hub.setSubs(message.from, message.subs)
        if (hub.state) post({ k: 'state', from: self, term, state: hub.state }) // the joining tab shows it now
        return
      case 'sub':
        if (hub && message.to === self) hub.addSub(message.from, message.sub)
        return
      case 'unsub':
        if (hub && message.to === self) hub.removeSub(message.from, message.id)
        return
      case 'bye':
        alive.delete(message.from)
        hub?.dropTab(message.from)
        if (leader?.from === message.from) leaderGone()
        return
      case 'alive':
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
    if (parked) {
      // nothing to say while parked
    } else if (hub) {
      post({ k: 'beat', from: self, term, positions: hub.positions(), state: hub.state })
      for (const tab of hub.knownTabs())
        if (tab !== self && now - (alive.get(tab) ?? now) > TAB_TIMEOUT_MS) {
          alive.delete(tab)
          hub.dropTab(tab)
        }
    } else {
      post({ k: 'alive', from: self })
      const since = leader ? lastHeard : startedAt
      if (now - since > share.leaderTimeoutMs) leaderGone()
    }
    ticker = timers.setTimeout(tick, BEAT_MS)
  }

  /** The URLs, the headers and the `getToken` token resolved now. */
  async function defaultKey(): Promise<string> {
    const [headers, token] = await Promise.all([opts.getHeaders(), opts.getToken?.()])
    return JSON.stringify([opts.urls, Object.entries(headers).sort(), token ?? null])
  }

  async function start(): Promise<void> {
    started = true
    startedAt = Date.now()
    store.set({ status: 'connecting', reason: StateReason.connect, nextRetryAt: null, connectionId: null })
    // other credentials, another key: tabs of two users never share; credentials that cannot be had
    // now leave this tab on its own (its stream client retries them with backoff), never in a wrong group
    const key =
      share.key ??
      (await defaultKey().catch((error: unknown) => {
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
    store.set({ status: 'reconnecting', reason: StateReason.parked, nextRetryAt: null, connectionId: null })
  }

  /** Active again: it rejoins, and its subscriptions resume from where each was (from the leader's buffer or the server). */
  function unpark(): void {
    if (closed || !parked) return
    parked = false
    startedAt = Date.now()
    waitForLeader()
    election?.start()
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
        rewind,
        resumeFrom,
      })
      if (!started) void start().catch(onError)
      if (hub) hub.addSub(self, subs.request(sub))
      else if (leader) post({ k: 'sub', from: self, to: leader.from, sub: subs.request(sub) })
      let removed = false
      return () => {
        if (removed) return
        removed = true
        subs.remove(sub.id)
        if (hub) hub.removeSub(self, sub.id)
        else if (leader) post({ k: 'unsub', from: self, to: leader.from, id: sub.id })
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
      store.set({ status: 'closed', reason: StateReason.clientClosed, nextRetryAt: null, connectionId: null })
      store.clear()
    },
  }
  return client
}
