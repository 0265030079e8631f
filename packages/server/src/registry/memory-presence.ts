import { DueQueue } from './due-queue'
import {
  DIGEST_ASK_FLOOR_MS,
  type JoinOutcome,
  type MemberEntry,
  type MembersDrain,
  type MembersSnapshot,
  type PresenceScope,
  type PresenceStatus,
  type PresenceStore,
  type Recording,
  SEEN_TTL_MS,
  type Swept,
  type Unpublished,
  unpublishedEntry,
} from './presence-store'

/** One scope's members: the nodes holding each, and since when each is present (online or leaving). */
class ScopeState {
  readonly holders = new Map<string, Set<string>>()
  /** In insertion order, which is oldest first: `since` comes from one process's clock. */
  readonly since = new Map<string, number>()
}

const entryOf = ({ topic, memberId }: PresenceScope) => `${topic ?? ''}\n${memberId}`

/** Presence of embedded mode (and of nodes sharing one MemoryRegistry): the same semantics as Redis, in maps. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly global = new ScopeState()
  private readonly topics = new Map<string, ScopeState>()
  /** Members whose last connection is gone, by when they left: the sweep visits only those due. */
  readonly pending = new DueQueue<PresenceScope>()
  private readonly held = new Map<string, Map<string, PresenceScope>>()
  private readonly changes = new Map<string, Map<string, number | 'left'>>()
  private readonly claims = new Map<string, number>()
  /** Last seen of offline members, oldest first (dropped after SEEN_TTL_MS). */
  private readonly seen = new Map<string, number>()
  private readonly remote = new Map<string, Map<string, { online: boolean; since: number }>>()
  /** Peer datacenters' online states by when they expire (`<dc>\n<member>`). */
  private readonly expiries = new DueQueue<{ dc: string; memberId: string }>()
  private readonly outbox = new DueQueue<Unpublished>()
  private readonly digests = { until: 0, asked: false, floor: 0 }

  async join(
    nodeId: string,
    scopes: readonly PresenceScope[],
    now: number,
    record?: Recording,
  ): Promise<JoinOutcome[]> {
    return scopes.map((scope) => {
      const state = this.state(scope.topic, true)!
      if (state.holders.get(scope.memberId)?.has(nodeId)) return 'none'
      const holders = getOrMake(state.holders, scope.memberId, () => new Set<string>())
      holders.add(nodeId)
      this.heldBy(nodeId).set(entryOf(scope), scope)
      if (holders.size > 1) return 'none'
      if (this.pending.delete(entryOf(scope))) return 'absorbed'
      state.since.set(scope.memberId, now)
      if (scope.topic !== null) {
        this.changesOf(scope.topic).set(scope.memberId, now)
        this.record(record, { topic: scope.topic, memberId: '' })
        return 'joined'
      }
      if (this.remoteOnline(scope.memberId)) return 'joined-here'
      this.record(record, scope)
      return 'joined'
    })
  }

  async leave(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<void> {
    for (const scope of scopes) this.leaveOne(nodeId, scope, now)
  }

  async release(nodeId: string, now: number): Promise<void> {
    for (const scope of [...(this.held.get(nodeId)?.values() ?? [])]) this.leaveOne(nodeId, scope, now)
    this.held.delete(nodeId)
  }

  async restore(left: ReadonlyArray<PresenceScope & { leftAt: number }>): Promise<void> {
    for (const { topic, memberId, leftAt } of left) {
      const state = this.state(topic, true)!
      if (state.since.has(memberId)) continue
      state.since.set(memberId, leftAt)
      this.pending.set(entryOf({ topic, memberId }), leftAt, { topic, memberId })
    }
  }

  async sweep(cutoff: number, limit: number, now: number, record?: Recording): Promise<Swept[]> {
    const swept: Swept[] = []
    const due = this.pending.take(cutoff, limit)
    for (const { at: leftAt, value: scope } of due) {
      const { topic, memberId } = scope
      const state = this.state(topic, false)
      if (!state || state.holders.has(memberId)) continue
      state.since.delete(memberId)
      if (topic !== null) {
        this.changesOf(topic).set(memberId, 'left')
        this.record(record, { topic, memberId: '' })
        if (state.holders.size === 0 && state.since.size === 0) this.topics.delete(topic)
        swept.push({ topic, memberId, since: leftAt, global: true, remote: false })
      } else {
        this.see(memberId, leftAt)
        const global = !this.remoteOnline(memberId)
        if (global) this.record(record, scope)
        swept.push({ topic, memberId, since: leftAt, global, remote: false })
      }
    }
    // peer datacenters' online states not sent again in time: their datacenter stopped confirming them
    for (const { value } of this.expiries.take(now, limit - due.length)) {
      const states = this.remote.get(value.memberId)
      if (!states?.get(value.dc)?.online) continue
      states.delete(value.dc)
      if (this.onlineAnywhere(value.memberId)) continue
      this.see(value.memberId, now)
      this.record(record, { topic: null, memberId: value.memberId })
      swept.push({ topic: null, memberId: value.memberId, since: now, global: true, remote: true })
    }
    this.forgetSeen(cutoff - SEEN_TTL_MS)
    return swept
  }

  async drainMembers(
    topic: string,
    windowMs: number,
    limit: number,
    record?: Recording,
  ): Promise<MembersDrain | 'busy' | null> {
    const changes = this.changes.get(topic)
    if (!changes || changes.size === 0) return null
    const now = Date.now()
    if ((this.claims.get(topic) ?? 0) > now) return 'busy'
    if (this.claims.size > 1024) for (const [t, until] of this.claims) if (until <= now) this.claims.delete(t)
    this.claims.set(topic, now + windowMs)
    this.changes.delete(topic)
    this.record(record, { topic, memberId: '' })
    if (changes.size > limit) return { snapshot: true, ...(await this.members(topic, limit)) }
    const joined: MemberEntry[] = []
    const left: string[] = []
    for (const [memberId, change] of changes) {
      if (change === 'left') left.push(memberId)
      else joined.push({ memberId, since: change })
    }
    return { count: this.state(topic, false)?.since.size ?? 0, joined, left }
  }

  async members(topic: string, limit: number): Promise<MembersSnapshot> {
    const since = this.state(topic, false)?.since
    const members: MemberEntry[] = []
    for (const [memberId, at] of since ?? []) {
      if (members.length >= limit) break
      members.push({ memberId, since: at })
    }
    return { count: since?.size ?? 0, members }
  }

  async presence(memberIds: readonly string[]): Promise<PresenceStatus[]> {
    return memberIds.map((memberId) => {
      const sinces = [...(this.remote.get(memberId)?.values() ?? [])]
        .filter((state) => state.online)
        .map((state) => state.since)
      const here = this.global.since.get(memberId)
      if (here !== undefined) sinces.push(here)
      if (sinces.length > 0) return { memberId, status: 'online', since: Math.min(...sinces) }
      return { memberId, status: 'offline', since: this.seen.get(memberId) ?? null }
    })
  }

  async applyRemote(
    dc: string,
    changes: readonly PresenceStatus[],
    now: number,
    ttlMs: number,
    record?: Recording,
  ): Promise<PresenceStatus[]> {
    const out: PresenceStatus[] = []
    for (const { memberId, status, since } of changes) {
      if (since === null) continue
      const states = getOrMake(this.remote, memberId, () => new Map())
      const current = states.get(dc)
      const online = status === 'online'
      const key = `${dc}\n${memberId}`
      // a late or repeated message never undoes a newer one (at the same instant, offline wins)
      if (current && !(since > current.since || (since === current.since && !online && current.online))) {
        // the same online state sent again (a digest): it lives on
        if (online && current.online && since === current.since && ttlMs > 0)
          this.expiries.set(key, now + ttlMs, { dc, memberId })
        continue
      }
      const before = this.onlineAnywhere(memberId)
      states.set(dc, { online, since })
      if (online && ttlMs > 0) this.expiries.set(key, now + ttlMs, { dc, memberId })
      else this.expiries.delete(key)
      const after = this.onlineAnywhere(memberId)
      if (!after) this.see(memberId, since)
      if (before === after) continue
      this.record(record, { topic: null, memberId })
      out.push(
        after
          ? { memberId, status: 'online', since }
          : { memberId, status: 'offline', since: this.seen.get(memberId)! },
      )
    }
    return out
  }

  async published(entries: readonly Unpublished[]): Promise<void> {
    for (const entry of entries) this.outbox.delete(unpublishedEntry(entry))
  }

  async unpublished(now: number, replayMs: number, limit: number): Promise<Unpublished[]> {
    const due = this.outbox.take(now, limit)
    for (const { key, value } of due) this.outbox.set(key, now + replayMs, value)
    return due.map(({ value }) => value)
  }

  async digest(cursor: string, count: number): Promise<{ cursor: string; online: PresenceStatus[] }> {
    // embedded mode has no peers to send digests to: a plain offset into the members is enough
    const from = Number(cursor)
    const page = [...this.global.since].slice(from, from + count)
    const next = from + page.length < this.global.since.size ? String(from + page.length) : '0'
    return {
      cursor: next,
      online: page.map(([memberId, since]) => ({ memberId, status: 'online', since })),
    }
  }

  async claimDigest(_nodeId: string, intervalMs: number, now: number): Promise<boolean> {
    const digests = this.digests
    if (now < digests.until && !(digests.asked && now >= digests.floor)) return false
    digests.asked = false
    digests.until = now + intervalMs
    digests.floor = now + Math.min(intervalMs, DIGEST_ASK_FLOOR_MS)
    return true
  }

  async askDigest(): Promise<void> {
    this.digests.asked = true
  }

  private record(record: Recording | undefined, scope: PresenceScope): void {
    if (!record) return
    const entry = { token: record.token, scope }
    this.outbox.set(unpublishedEntry(entry), record.replayAt, entry)
  }

  private leaveOne(nodeId: string, scope: PresenceScope, now: number): void {
    const state = this.state(scope.topic, false)
    const holders = state?.holders.get(scope.memberId)
    if (!state || !holders?.delete(nodeId)) return
    this.held.get(nodeId)?.delete(entryOf(scope))
    if (holders.size > 0) return
    state.holders.delete(scope.memberId)
    this.pending.set(entryOf(scope), now, scope)
  }

  private state(topic: string | null, create: boolean): ScopeState | undefined {
    if (topic === null) return this.global
    return create ? getOrMake(this.topics, topic, () => new ScopeState()) : this.topics.get(topic)
  }

  private heldBy(nodeId: string): Map<string, PresenceScope> {
    return getOrMake(this.held, nodeId, () => new Map())
  }

  private changesOf(topic: string): Map<string, number | 'left'> {
    return getOrMake(this.changes, topic, () => new Map())
  }

  private remoteOnline(memberId: string): boolean {
    for (const state of this.remote.get(memberId)?.values() ?? []) if (state.online) return true
    return false
  }

  private onlineAnywhere(memberId: string): boolean {
    return this.global.since.has(memberId) || this.remoteOnline(memberId)
  }

  private see(memberId: string, at: number): void {
    const previous = this.seen.get(memberId) ?? 0
    this.seen.delete(memberId) // re-inserted last: the map stays oldest first
    this.seen.set(memberId, Math.max(previous, at))
  }

  private forgetSeen(before: number): void {
    for (const [memberId, at] of this.seen) {
      if (at > before) break
      this.seen.delete(memberId)
    }
  }
}

function getOrMake<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
