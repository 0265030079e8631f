import { createStreamClient, type LikewireClient, type SubscribeOptions } from '../client'
import { RecentIds } from '../dedupe'
import {
  type EventCallback,
  type EventPosition,
  isPosition,
  type LikewireEvent,
  type LikewireGap,
} from '../event'
import { type ClientOptions, resolveOptions } from '../options'
import { StateReason, StateStore } from '../state'
import { checkSubscribe } from '../subscribe-check'
import { claimElection, type Election, lockElection } from './election'
import { LeaderHub } from './leader'
import { type ChannelLike, type Delivery, outranks, type ShareMessage, type SubRequest } from './messages'
import { BEAT_MS, channelName, type ResolvedShare } from './share-options'

/** A follower silent this long is gone (closed without a word, crashed, frozen): its subscriptions go. */
const TAB_TIMEOUT_MS = 10 * BEAT_MS
/** Events the leader keeps per topic, so a tab that comes back resumes from memory. */
const LEADER_KEEP_RECENT = 1000

/** One subscription of this tab, with what a new leader needs to go on with it exactly where it was. */
interface LocalSub {
  id: number
  topic: string
  callback: EventCallback
  onGap: ((gap: LikewireGap) => void) | undefined
  onSubscribed: (() => void) | undefined
  rewind: number
  resumeFrom: EventPosition | undefined
  /** The last history position handed to it. */
  position: EventPosition | undefined
  /** Acknowledged without an event yet: where the leader's stream stood (a new leader resumes it from there). */
  floor: EventPosition | undefined
  acked: boolean
}

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
  const recent = new RecentIds(opts.dedupeSize)
  const subs = new Map<number, LocalSub>()
  const alive = new Map<string, number>()
  let nextId = 1
  let channel: ChannelLike | null = null
  let election: Election | null = null
  let hub: LeaderHub | null = null
  let term = 0
  let leader: { from: string; term: number } | null = null
  let lastHeard = 0
  let startedAt = 0
  let started = false
  let closed = false
  let ticker: unknown

  const post = (message: ShareMessage) => {
    try {
      channel?.postMessage(message)
    } catch (error) {
      onError(error)
    }
  }
  const request = (sub: LocalSub): SubRequest => ({
    id: sub.id,
    topic: sub.topic,
    rewind: sub.acked || sub.position ? 0 : sub.rewind,
    resumeFrom: sub.position ?? sub.floor ?? sub.resumeFrom,
  })
  const requests = () => [...subs.values()].map(request)
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
            keepRecent: Math.max(options.keepRecent ?? 0, LEADER_KEEP_RECENT),
          }),
        post: (items) => post({ k: 'out', from: self, term, items }),
        local: deliver,
        state: (state) => {
          store.set(state)
          post({ k: 'state', from: self, term, state })
        },
        timers,
        collectMs: share.collectMs,
      })
      post({ k: 'leader', from: self, term })
      hub.setSubs(self, requests())
    },
    resigned() {
      hub?.close()
      hub = null
      if (leader?.from === self) leader = null
      waitForLeader()
    },
  }

  function deliver(items: readonly Delivery[]): void {
    for (const item of items) {
      if (item.tab !== self) continue
      const sub = subs.get(item.sub)
      if (!sub) continue
      if ('event' in item) {
        const { event } = item
        const at = event.position
        if (at) {
          const last = sub.position
          if (last && last.epoch === at.epoch && at.offset <= last.offset) continue
          sub.position = { epoch: at.epoch, offset: at.offset }
        } else if (event.id !== '' && recent.seen(`${sub.id} ${event.id}`)) continue
        call(sub.callback, event)
      } else if ('gap' in item) {
        if (item.gap.position && isPosition(item.gap.position)) sub.position = { ...item.gap.position }
        if (sub.onGap) call(sub.onGap, item.gap)
      } else {
        sub.acked = true
        if (item.position && !sub.position) sub.floor = item.position
        if (sub.onSubscribed) call(sub.onSubscribed)
      }
    }
  }

  function call<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
    try {
      fn(...args)
    } catch (error) {
      onError(error)
    }
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
    if (!leader || (leader.from !== message.from && (gone || outranks(claim, leader)))) {
      leader = claim
      post({ k: 'subs', from: self, to: leader.from, subs: requests() })
    }
    if (leader.from !== message.from) return // an old leader still talking: not ours any more
    lastHeard = Date.now()
    if (message.k === 'state') store.set(message.state)
    else if (message.k === 'out') deliver(message.items)
    else if (message.k === 'beat')
      for (const sub of subs.values())
        if (sub.acked && !sub.position && message.positions[sub.topic])
          sub.floor = message.positions[sub.topic]
  }

  function receive(message: ShareMessage): void {
    if (closed || message.from === self) return
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
    if (hub) {
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

  async function start(): Promise<void> {
    started = true
    startedAt = Date.now()
    store.set({ status: 'connecting', reason: StateReason.connect, nextRetryAt: null, connectionId: null })
    // other credentials, another key: tabs of two users never share
    const key = share.key ?? JSON.stringify([opts.urls, Object.entries(await opts.getHeaders()).sort()])
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
  }

  return {
    get state() {
      return store.state
    },
    subscribe<T>(topic: string, callback: (event: LikewireEvent<T>) => void, options: SubscribeOptions = {}) {
      const { rewind, resumeFrom } = checkSubscribe(topic, callback, options)
      if (closed) return () => {}
      const sub: LocalSub = {
        id: nextId++,
        topic,
        callback: callback as EventCallback,
        onGap: options.onGap,
        onSubscribed: options.onSubscribed,
        rewind,
        resumeFrom,
        position: undefined,
        floor: undefined,
        acked: false,
      }
      subs.set(sub.id, sub)
      if (!started) void start().catch(onError)
      if (hub) hub.addSub(self, request(sub))
      else if (leader) post({ k: 'sub', from: self, to: leader.from, sub: request(sub) })
      let removed = false
      return () => {
        if (removed) return
        removed = true
        subs.delete(sub.id)
        if (hub) hub.removeSub(self, sub.id)
        else if (leader) post({ k: 'unsub', from: self, to: leader.from, id: sub.id })
      }
    },
    onStateChange(listener) {
      return store.subscribe(listener)
    },
    positionOf(topic) {
      let best: EventPosition | undefined
      for (const sub of subs.values()) {
        const at = sub.topic === topic ? (sub.position ?? sub.floor) : undefined
        if (at && (!best || (at.epoch === best.epoch && at.offset > best.offset))) best = at
      }
      return best && { ...best }
    },
    close() {
      if (closed) return
      closed = true
      timers.clearTimeout(ticker)
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
}
