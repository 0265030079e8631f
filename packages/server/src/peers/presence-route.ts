import type { Context } from 'hono'
import { internalOnly } from '../auth/bearer'
import { isMemberId } from '../auth/identity'
import type { Dispatcher } from '../dispatcher/dispatcher'
import { readJsonObject } from '../http/body'
import type { Metrics } from '../metrics/metrics'
import { publishPresence } from '../presence/payloads'
import { ErrorCode, LikewireError, unavailable } from '../protocol/errors'
import type { PresenceStatus, PresenceStore } from '../registry/presence-store'
import { DC_PATTERN } from './datacenter'

/** Most changes in one forwarded request (the forwarder sends at most this many). */
export const MAX_REMOTE_CHANGES = 1000

/**
 * `POST /internal/v1/presence` on a dispatcher: a peer datacenter's own member presence transitions,
 * `{"dc":"dc2","changes":[{"memberId","status","since"}]}`. Kept per datacenter; published here only
 * when the global state changed (online in any datacenter = online), and never forwarded again.
 */
export function presenceRoute(
  store: PresenceStore,
  dispatcher: Dispatcher,
  secret: string,
  metrics: Metrics,
) {
  return internalOnly(secret, async (c: Context) => {
    const { dc, changes } = remoteChanges(await readJsonObject(c, 1024 * 1024))
    let global: PresenceStatus[]
    try {
      global = await store.applyRemote(dc, changes)
    } catch {
      // the sender keeps the changes and sends them again
      throw unavailable('The registry is unavailable; presence changes not recorded')
    }
    await publishPresence(dispatcher, metrics, global)
    return c.body(null, 202)
  })
}

/** The body of a forwarded presence request, checked: 400 invalid_request for anything else. */
export function remoteChanges(body: Record<string, unknown>): { dc: string; changes: PresenceStatus[] } {
  const { dc, changes } = body
  if (typeof dc !== 'string' || !DC_PATTERN.test(dc)) throw invalid('"dc" must be a datacenter name')
  if (!Array.isArray(changes) || changes.length > MAX_REMOTE_CHANGES)
    throw invalid(`"changes" must be an array of at most ${MAX_REMOTE_CHANGES} changes`)
  return {
    dc,
    changes: changes.map((change: unknown) => {
      const { memberId, status, since } = (change ?? {}) as Record<string, unknown>
      if (
        !isMemberId(memberId) ||
        (status !== 'online' && status !== 'offline') ||
        typeof since !== 'number' ||
        !Number.isSafeInteger(since) ||
        since < 0
      )
        throw invalid('each change is {"memberId","status":"online"|"offline","since":<ms>}')
      return { memberId, status, since }
    }),
  }
}

const invalid = (message: string) => new LikewireError(400, ErrorCode.invalidRequest, message)
