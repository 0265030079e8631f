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
   * by the node answers `none`.
   */
  join(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<JoinOutcome[]>
  /** This node's last connection of each member in each scope is gone; with no node left, the member leaves at `now`. */
  leave(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<void>
  /**
   * Every scope `nodeId` held is left at `now`, as if its connections had closed (the node closed, or its
   * lease expired and it was pruned: see Registry.removeNode and pruneNode, which do this too).
   */
  release(nodeId: string, now: number): Promise<void>
  /**
   * Takes members that left at or before `cutoff` (now minus the grace) and are still gone: each one is
   * taken by exactly one caller, atomically, so each change is published once. At most `limit` per call.
   */
  sweep(cutoff: number, limit: number): Promise<Swept[]>
  /**
   * The topic members changes not yet published, if this caller wins the topic's publish window of
   * `windowMs`: null when there is nothing to publish, `busy` while another node holds the window. Past
   * `limit` changes, a snapshot of the first `limit` members stands for them.
   */
  drainMembers(topic: string, windowMs: number, limit: number): Promise<MembersDrain | 'busy' | null>
  /** A topic's member count and its first `limit` members, oldest first. */
  members(topic: string, limit: number): Promise<MembersSnapshot>
  /** Each member's presence over every datacenter this one knows of. */
  presence(memberIds: readonly string[]): Promise<PresenceStatus[]>
  /**
   * Another datacenter's own transitions (forwarded once by it): kept per datacenter; answers the changes
   * of the global state (online in any datacenter = online) that this datacenter must publish.
   */
  applyRemote(dc: string, changes: readonly PresenceStatus[]): Promise<PresenceStatus[]>
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
  /** When its last connection in the scope ended (or its node was pruned). */
  since: number
  global: boolean
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
