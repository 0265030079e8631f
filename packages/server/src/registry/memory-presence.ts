import {
  type JoinOutcome,
  type MemberEntry,
  type MembersDrain,
  type MembersSnapshot,
  type PresenceScope,
  type PresenceStatus,
  type PresenceStore,
  SEEN_TTL_MS,
  type Swept,
} from './presence-store'

/** One scope's members: the nodes holding each, and since when each is present (online or leaving). */
class ScopeState {
  readonly holders = new Map<string, Set<string>>()
  /** In insertion order, which is oldest first: `since` comes from one process's clock. */
  readonly since = new Map<string, number>()
}

interface Pending extends PresenceScope {
  leftAt: number
}

const entryOf = ({ topic, memberId }: PresenceScope) => `${topic ?? ''}\n${memberId}`

/** Presence of embedded mode (and of nodes sharing one MemoryRegistry): the same semantics as Redis, in maps. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly global = new ScopeState()
  private readonly topics = new Map<string, ScopeState>()
  private readonly pending = new Map<string, Pending>()
  private readonly held = new Map<string, Map<string, PresenceScope>>()
  private readonly changes = new Map<string, Map<string, number | 'left'>>()
  private readonly claims = new Map<string, number>()
  /** Last seen of offline members, oldest first (dropped after SEEN_TTL_MS). */
  private readonly seen = new Map<string, number>()
  private readonly remote = new Map<string, Map<string, { online: boolean; since: number }>>()

  async join(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<JoinOutcome[]> {
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
        return 'joined'
      }
      return this.remoteOnline(scope.memberId) ? 'joined-here' : 'joined'
    })
  }

  async leave(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<void> {
    for (const scope of scopes) this.leaveOne(nodeId, scope, now)
  }

  async release(nodeId: string, now: number): Promise<void> {
    for (const scope of [...(this.held.get(nodeId)?.values() ?? [])]) this.leaveOne(nodeId, scope, now)
    this.held.delete(nodeId)
  }

  async sweep(cutoff: number, limit: number): Promise<Swept[]> {
    const due = [...this.pending]
      .filter(([, pending]) => pending.leftAt <= cutoff)
      .sort(([, a], [, b]) => a.leftAt - b.leftAt)
      .slice(0, limit)
    const swept: Swept[] = []
    for (const [entry, { topic, memberId, leftAt }] of due) {
      this.pending.delete(entry)
      const state = this.state(topic, false)
      if (!state || state.holders.has(memberId)) continue
      state.since.delete(memberId)
      if (topic !== null) {
        this.changesOf(topic).set(memberId, 'left')
        if (state.holders.size === 0 && state.since.size === 0) this.topics.delete(topic)
        swept.push({ topic, memberId, since: leftAt, global: true })
      } else {
        this.see(memberId, leftAt)
        swept.push({ topic, memberId, since: leftAt, global: !this.remoteOnline(memberId) })
      }
    }
    this.forgetSeen(cutoff - SEEN_TTL_MS)
    return swept
  }

  async drainMembers(topic: string, windowMs: number, limit: number): Promise<MembersDrain | 'busy' | null> {
    const changes = this.changes.get(topic)
    if (!changes || changes.size === 0) return null
    const now = Date.now()
    if ((this.claims.get(topic) ?? 0) > now) return 'busy'
    if (this.claims.size > 1024) for (const [t, until] of this.claims) if (until <= now) this.claims.delete(t)
    this.claims.set(topic, now + windowMs)
    this.changes.delete(topic)
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

  async applyRemote(dc: string, changes: readonly PresenceStatus[]): Promise<PresenceStatus[]> {
    const out: PresenceStatus[] = []
    for (const { memberId, status, since } of changes) {
      if (since === null) continue
      const states = getOrMake(this.remote, memberId, () => new Map())
      const current = states.get(dc)
      const online = status === 'online'
      // a late or repeated message never undoes a newer one (at the same instant, offline wins)
      if (current && !(since > current.since || (since === current.since && !online && current.online)))
        continue
      const before = this.onlineAnywhere(memberId)
      states.set(dc, { online, since })
      const after = this.onlineAnywhere(memberId)
      if (!after) this.see(memberId, since)
      if (before !== after)
        out.push(
          after
            ? { memberId, status: 'online', since }
            : { memberId, status: 'offline', since: this.seen.get(memberId)! },
        )
    }
    return out
  }

  private leaveOne(nodeId: string, scope: PresenceScope, now: number): void {
    const state = this.state(scope.topic, false)
    const holders = state?.holders.get(scope.memberId)
    if (!state || !holders?.delete(nodeId)) return
    this.held.get(nodeId)?.delete(entryOf(scope))
    if (holders.size > 0) return
    state.holders.delete(scope.memberId)
    this.pending.set(entryOf(scope), { ...scope, leftAt: now })
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
