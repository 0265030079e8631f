/**
 * Where presence is kept (the registry's part of it): per scope (a member's global presence, or one
 * topic's members), which nodes hold a member, since when it is present, and who left and when. A node
 * reports only its transitions (its first connection of a member in a scope, its last one gone), so
 * the work is O(changes); the node's lease is its heartbeat. In memory when embedded, in Redis in a
 * cluster, with the same semantics (one contract test runs against both).
 */
export interface PresenceStore {
  /**
   * This node holds its first connection of each member in each scope. Idempotent: a scope already held
   * by the node answers `none`. Member presence that came online, and each topic with a new member (its
   * change waits for a drain), are recorded unpublished (`record`).
   */
  join(
    nodeId: string,
    scopes: readonly PresenceScope[],
    now: number,
    record?: Recording,
  ): Promise<JoinOutcome[]>
  /** This node's last connection of each member in each scope is gone; with no node left, the member leaves at `now`. */
  leave(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<void>
  /**
   * Every scope `nodeId` held is left at `now`, as if its connections had closed (the node closed, or its
   * lease expired and it was pruned: see Registry.removeNode and pruneNode, which do this too). In Redis,
   * in bounded steps: scopes the node joins again meanwhile stay held (it was pruned and came back).
   */
  release(nodeId: string, now: number): Promise<void>
  /**
   * Scopes this node left within the grace, told again after the store lost them (Redis restarted
   * empty): present again, held by no node, leaving since `leftAt`, so the sweep still takes them once
   * after the grace. A scope present already is left as it is.
   */
  restore(left: ReadonlyArray<PresenceScope & { leftAt: number }>): Promise<void>
  /**
   * Takes members that left at or before `cutoff` (now minus the grace) and are still gone: each one is
   * taken by exactly one caller, atomically, so each change is published once; and peer datacenters'
   * online states whose time to live ended before `now` (their digests stopped). At most `limit` per call.
   * Member presence that went offline, and each topic a member left, are recorded unpublished (`record`).
   */
  sweep(cutoff: number, limit: number, now: number, record?: Recording): Promise<Swept[]>
  /**
   * The topic members changes not yet published, if this caller wins the topic's publish window of
   * `windowMs`: null when there is nothing to publish, `busy` while another node holds the window. Past
   * `limit` changes, a snapshot of the first `limit` members stands for them. A drain is recorded
   * unpublished (`record`).
   */
  drainMembers(
    topic: string,
    windowMs: number,
    limit: number,
    record?: Recording,
  ): Promise<MembersDrain | 'busy' | null>
  /** A topic's member count and its first `limit` members, oldest first. */
  members(topic: string, limit: number): Promise<MembersSnapshot>
  /** Each member's presence over every datacenter this one knows of. */
  presence(memberIds: readonly string[]): Promise<PresenceStatus[]>
  /**
   * Another datacenter's own transitions or digest (sent by it): kept per datacenter; answers the changes
   * of the global state (online in any datacenter = online) that this datacenter must publish, recorded
   * unpublished (`record`). An online state lives `ttlMs` from `now` unless sent again (0: for ever).
   */
  applyRemote(
    dc: string,
    changes: readonly PresenceStatus[],
    now: number,
    ttlMs: number,
    record?: Recording,
  ): Promise<PresenceStatus[]>
  /** These recorded changes were published: they are not replayed. */
  published(entries: readonly Unpublished[]): Promise<void>
  /**
   * Recorded changes whose `replayAt` passed unconfirmed (a lost reply, a failed publish, a node that died
   * in between), at most `limit`: each taken again `replayMs` later unless confirmed by then. The caller
   * publishes the scopes' current state.
   */
  unpublished(now: number, replayMs: number, limit: number): Promise<Unpublished[]>
  /**
   * One page of this datacenter's own online members (its digest for peer datacenters), from `cursor`
   * ('0' to start); the cursor answered is '0' at the end. A member online throughout is listed.
   */
  digest(cursor: string, count: number): Promise<{ cursor: string; online: PresenceStatus[] }>
  /**
   * Whether this node sends the datacenter's next digest: once per `intervalMs` per datacenter, or at
   * once when a peer asked for one (at most every few seconds).
   */
  claimDigest(nodeId: string, intervalMs: number, now: number): Promise<boolean>
  /** A peer datacenter lost what it knew of this one: the next digest is due now. */
  askDigest(now: number): Promise<void>
}

/**
 * A store call's changes to publish, recorded until `published` confirms them (two-phase): `token` is
 * unique per call, and `replayAt` is when any node may publish their current state instead.
 */
export interface Recording {
  token: string
  replayAt: number
}

/** A recorded change: member presence (`topic` null) or a topic's members (`memberId` empty). */
export interface Unpublished {
  token: string
  scope: PresenceScope
}

/** A member in a scope: its global presence (`topic` null) or its membership of `topic`. */
export interface PresenceScope {
  topic: string | null
  memberId: string
}

/**
 * What a join did: `none` (another connection of the member held the scope already), `absorbed` (a rejoin
 * within the grace: the pending leave is cancelled, nothing is published), `joined` (new in the scope:
 * published), or `joined-here` (member presence only: present in this datacenter again while another
 * datacenter already had it online, so the global state did not change; forwarded to peers only).
 */
export type JoinOutcome = 'none' | 'absorbed' | 'joined' | 'joined-here'

/** A member gone from a scope for the whole grace; `global` false when another datacenter still has it online. */
export interface Swept extends PresenceScope {
  /** When its last connection in the scope ended (or its node was pruned, or its remote state expired). */
  since: number
  global: boolean
  /** A peer datacenter's online state that expired: published here, never forwarded. */
  remote: boolean
}

export interface MemberEntry {
  memberId: string
  since: number
}

export interface MembersSnapshot {
  count: number
  members: MemberEntry[]
}

/** A topic's members changes since the last publish, or a snapshot standing for too many of them. */
export type MembersDrain =
  | { count: number; joined: MemberEntry[]; left: string[] }
  | ({ snapshot: true } & MembersSnapshot)

/** A member's presence: online since it connected, offline since it left (null: never seen, or long ago). */
export interface PresenceStatus {
  memberId: string
  status: 'online' | 'offline'
  since: number | null
}

/** How long an offline member's last-seen time is kept. */
export const SEEN_TTL_MS = 7 * 24 * 3600 * 1000
/** How long unpublished topic members changes are kept when no node publishes them (a node died meanwhile). */
export const CHANGES_TTL_MS = 3600 * 1000
/** Least time between two digests a peer asked for (a restart of each of its frontends asks). */
export const DIGEST_ASK_FLOOR_MS = 5000

/** The recorded entry of an unpublished change, as the Redis outbox names it: `<token>\n<p|t>\n<id>`. */
export function unpublishedEntry({ token, scope }: Unpublished): string {
  return scope.topic === null ? `${token}\np\n${scope.memberId}` : `${token}\nt\n${scope.topic}`
}

/** The change an outbox entry names (unpublishedEntry read back). */
export function unpublishedOf(entry: string): Unpublished {
  const first = entry.indexOf('\n')
  const token = entry.slice(0, first)
  const id = entry.slice(first + 3)
  return {
    token,
    scope: entry[first + 1] === 'p' ? { topic: null, memberId: id } : { topic: id, memberId: '' },
  }
}
