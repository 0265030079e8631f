import type { Redis } from 'ioredis'
import {
  CHANGES_TTL_MS,
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
  unpublishedOf,
} from './presence-store'
import { presenceScopeKey, type RedisKeys } from './redis-keys'
import { entries, pairs, recording, replies } from './redis-presence-args'
import { PRESENCE_SCRIPTS } from './redis-presence-scripts'

/** Scopes per script run: a resync of a large node goes as several short runs, never one long one. */
const CHUNK = 500

/** Scopes a release leaves per script run: a pruned node's holdings go as several short runs. */
const RELEASE_STEP = 500

const OUTCOMES: JoinOutcome[] = ['none', 'joined', 'absorbed', 'joined-here']

type Scripts = Record<keyof typeof PRESENCE_SCRIPTS, (...args: Array<string | number>) => Promise<unknown>>

/**
 * Presence in the datacenter's Redis (see redis-presence-scripts.ts): every change is one script run over
 * the scopes that changed, atomic, so two nodes never both publish one change.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly scripts: Scripts

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    // EVALSHA once loaded: the script text is not sent with every change
    for (const [name, lua] of Object.entries(PRESENCE_SCRIPTS))
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua })
    this.scripts = redis as unknown as Scripts
  }

  async join(
    nodeId: string,
    scopes: readonly PresenceScope[],
    now: number,
    record?: Recording,
  ): Promise<JoinOutcome[]> {
    const outcomes: JoinOutcome[] = []
    for (let i = 0; i < scopes.length; i += CHUNK) {
      const codes = (await this.scripts.likewirePresenceJoin(
        this.keys.prefix,
        nodeId,
        now,
        CHANGES_TTL_MS,
        ...recording(record),
        ...pairs(scopes.slice(i, i + CHUNK)),
      )) as number[]
      for (const code of codes) outcomes.push(OUTCOMES[code] ?? 'none')
    }
    return outcomes
  }

  async leave(nodeId: string, scopes: readonly PresenceScope[], now: number): Promise<void> {
    for (let i = 0; i < scopes.length; i += CHUNK)
      await this.scripts.likewirePresenceLeave(
        this.keys.prefix,
        nodeId,
        now,
        ...pairs(scopes.slice(i, i + CHUNK)),
      )
  }

  async release(nodeId: string, now: number): Promise<void> {
    await this.beginRelease(nodeId, now)
    await this.finishReleases()
  }

  /** Sets a node's holdings aside to be left at `now` (O(1)); finishReleases leaves them. */
  async beginRelease(nodeId: string, now: number): Promise<void> {
    await this.scripts.likewirePresenceRelease(this.keys.prefix, nodeId, now)
  }

  /**
   * Leaves the scopes of every release begun (a node closed or pruned), a bounded step per script run,
   * until none is left: also one that a pruner which died meanwhile began.
   */
  async finishReleases(): Promise<void> {
    for (const id of await this.redis.hkeys(this.keys.presenceReleases))
      while ((await this.stepRelease(id)) > 0);
  }

  /** One step of a release: at most RELEASE_STEP scopes left; answers how many remain. */
  async stepRelease(id: string): Promise<number> {
    return Number(await this.scripts.likewirePresenceReleaseStep(this.keys.prefix, id, RELEASE_STEP))
  }

  async restore(left: ReadonlyArray<PresenceScope & { leftAt: number }>): Promise<void> {
    for (let i = 0; i < left.length; i += CHUNK)
      await this.scripts.likewirePresenceRestore(
        this.keys.prefix,
        ...left
          .slice(i, i + CHUNK)
          .flatMap((scope) => [presenceScopeKey(scope), scope.memberId, scope.leftAt]),
      )
  }

  async sweep(cutoff: number, limit: number, now: number, record?: Recording): Promise<Swept[]> {
    const flat = (await this.scripts.likewirePresenceSweep(
      this.keys.prefix,
      cutoff,
      limit,
      SEEN_TTL_MS,
      CHANGES_TTL_MS,
      now,
      ...recording(record),
    )) as Array<string | number>
    const swept: Swept[] = []
    for (let i = 0; i < flat.length; i += 5) {
      const scope = String(flat[i])
      swept.push({
        topic: scope.startsWith('t:') ? scope.slice(2) : null,
        memberId: String(flat[i + 1]),
        since: Number(flat[i + 2]),
        global: Number(flat[i + 3]) === 1,
        remote: Number(flat[i + 4]) === 1,
      })
    }
    return swept
  }

  async drainMembers(
    topic: string,
    windowMs: number,
    limit: number,
    record?: Recording,
  ): Promise<MembersDrain | 'busy' | null> {
    const reply = (await this.scripts.likewirePresenceDrain(
      this.keys.prefix,
      presenceScopeKey({ topic, memberId: '' }),
      windowMs,
      limit,
      ...recording(record),
    )) as [number, number, string[]] | 0 | null
    if (reply === null) return null
    if (reply === 0) return 'busy'
    const [count, snapshot, flat] = reply
    if (snapshot === 1) return { snapshot: true, count, members: entries(flat) }
    const joined: MemberEntry[] = []
    const left: string[] = []
    for (let i = 0; i < flat.length; i += 2) {
      const change = flat[i + 1]!
      if (change === 'l') left.push(flat[i]!)
      else joined.push({ memberId: flat[i]!, since: Number(change.slice(1)) })
    }
    return { count, joined, left }
  }

  async members(topic: string, limit: number): Promise<MembersSnapshot> {
    const key = this.keys.presenceSince(presenceScopeKey({ topic, memberId: '' }))
    const pipeline = this.redis.pipeline().zcard(key)
    if (limit > 0) pipeline.zrange(key, 0, String(limit - 1), 'WITHSCORES')
    const [count, range] = replies(await pipeline.exec()) as [number, string[] | undefined]
    return { count, members: entries(range ?? []) }
  }

  async presence(memberIds: readonly string[]): Promise<PresenceStatus[]> {
    if (memberIds.length === 0) return []
    const pipeline = this.redis.pipeline()
    for (const memberId of memberIds) {
      const scope = presenceScopeKey({ topic: null, memberId })
      pipeline.zscore(this.keys.presenceSince(scope), memberId)
      pipeline.hvals(this.keys.presenceRemote(scope))
      pipeline.get(this.keys.presenceSeen(scope))
    }
    const values = replies(await pipeline.exec())
    return memberIds.map((memberId, i) => {
      const here = values[i * 3] as string | null
      const sinces = (values[i * 3 + 1] as string[])
        .filter((state) => state.startsWith('1:'))
        .map((state) => Number(state.slice(2)))
      if (here !== null) sinces.push(Number(here))
      if (sinces.length > 0) return { memberId, status: 'online', since: Math.min(...sinces) }
      const seen = values[i * 3 + 2] as string | null
      return { memberId, status: 'offline', since: seen === null ? null : Number(seen) }
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
    for (let i = 0; i < changes.length; i += CHUNK) {
      const args: Array<string | number> = []
      for (const { memberId, status, since } of changes.slice(i, i + CHUNK)) {
        if (since === null) continue
        args.push(
          presenceScopeKey({ topic: null, memberId }),
          memberId,
          status === 'online' ? '1' : '0',
          since,
        )
      }
      if (args.length === 0) continue
      const flat = (await this.scripts.likewirePresenceRemote(
        this.keys.prefix,
        dc,
        SEEN_TTL_MS,
        now,
        ttlMs,
        ...recording(record),
        ...args,
      )) as string[]
      for (let j = 0; j < flat.length; j += 3)
        out.push({
          memberId: flat[j]!,
          status: flat[j + 1] === 'online' ? 'online' : 'offline',
          since: Number(flat[j + 2]),
        })
    }
    return out
  }

  async published(entries: readonly Unpublished[]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK)
      await this.redis.zrem(
        this.keys.presenceUnpublished,
        ...entries.slice(i, i + CHUNK).map(unpublishedEntry),
      )
  }

  async unpublished(now: number, replayMs: number, limit: number): Promise<Unpublished[]> {
    const due = (await this.scripts.likewirePresenceReplay(
      this.keys.prefix,
      now,
      replayMs,
      limit,
    )) as string[]
    return due.map(unpublishedOf)
  }

  async digest(cursor: string, count: number): Promise<{ cursor: string; online: PresenceStatus[] }> {
    const [next, flat] = await this.redis.zscan(this.keys.presenceOnline, cursor, 'COUNT', count)
    return {
      cursor: next,
      online: entries(flat).map(({ memberId, since }) => ({ memberId, status: 'online', since })),
    }
  }

  async claimDigest(nodeId: string, intervalMs: number): Promise<boolean> {
    const floorMs = Math.min(intervalMs, DIGEST_ASK_FLOOR_MS)
    return (
      (await this.scripts.likewirePresenceClaimDigest(this.keys.prefix, nodeId, intervalMs, floorMs)) === 1
    )
  }

  async askDigest(): Promise<void> {
    // kept a minute: a datacenter whose frontends are all down for longer has its states expired anyway
    await this.redis.set(this.keys.presenceDigestAsked, '1', 'PX', 60_000)
  }
}
