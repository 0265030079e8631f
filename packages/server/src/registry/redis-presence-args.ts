import type { MemberEntry, PresenceScope, Recording } from './presence-store'
import { presenceScopeKey } from './redis-keys'

// Arguments of the presence scripts and the replies of Redis, as RedisPresenceStore sends and reads them.

/** A store call's recording as script arguments: token and replay time ('' and 0: nothing recorded). */
export function recording(record: Recording | undefined): Array<string | number> {
  return record ? [record.token, record.replayAt] : ['', 0]
}

/** The script arguments of scopes: its key and the member, per scope. */
export function pairs(scopes: readonly PresenceScope[]): string[] {
  return scopes.flatMap((scope) => [presenceScopeKey(scope), scope.memberId])
}

/** ZRANGE ... WITHSCORES as member entries. */
export function entries(flat: readonly string[]): MemberEntry[] {
  const out: MemberEntry[] = []
  for (let i = 0; i < flat.length; i += 2) out.push({ memberId: flat[i]!, since: Number(flat[i + 1]) })
  return out
}

/** Pipeline replies, the first error thrown. */
export function replies(results: Array<[Error | null, unknown]> | null): unknown[] {
  return (results ?? []).map(([error, value]) => {
    if (error) throw error
    return value
  })
}
