import type { Context } from 'hono'
import type { Logger } from 'pino'
import { internalOnly } from '../auth/bearer'
import { isMemberId } from '../auth/identity'
import type { Dispatcher } from '../dispatcher/dispatcher'
import { readJsonObject } from '../http/body'
import type { Metrics } from '../metrics/metrics'
import { publishPresence } from '../presence/payloads'
import { confirm, presenceEntries, recording } from '../presence/publishing'
import { ErrorCode, LikewireError, unavailable } from '../protocol/errors'
import type { PresenceStatus, PresenceStore } from '../registry/presence-store'
import { DC_PATTERN } from './datacenter'

/** Most changes in one forwarded request (the forwarder sends at most this many). */
export const MAX_REMOTE_CHANGES = 1000

/** Longest time to live a peer may give its online states (a day: its digests come far more often). */
const MAX_TTL_MS = 86_400_000

/**
 * `POST /internal/v1/presence` on a dispatcher: a peer datacenter's own member presence transitions or a
 * page of its digest, `{"dc":"dc2","changes":[{"memberId","status","since"}],"ttlMs":90000}`, or its
 * ask for this datacenter's digest (`"ask":true`: it lost what it knew). Kept per datacenter, an online
 * state for `ttlMs` unless sent again; published here only when the global state changed (online in any
 * datacenter = online), and never forwarded again. A publish that fails is recorded in the store and
 * published from there by this datacenter's frontends: the request is answered 202 once the store took it.
 */
export function presenceRoute(
  store: PresenceStore,
  dispatcher: Dispatcher,
  secret: string,
  metrics: Metrics,
  logger: Logger,
) {
  return internalOnly(secret, async (c: Context) => {
    const { dc, changes, ttlMs, ask } = remoteChanges(await readJsonObject(c, 1024 * 1024))
    const now = Date.now()
    const record = recording(now)
    let global: PresenceStatus[]
    try {
      if (ask) await store.askDigest(now)
      global = await store.applyRemote(dc, changes, now, ttlMs, record)
    } catch {
      // the sender keeps the changes and sends them again (what did land is recorded: published later)
      throw unavailable('The registry is unavailable; presence changes not recorded')
    }
    try {
      await publishPresence(dispatcher, metrics, global)
      await confirm(store, presenceEntries(record, global), logger)
    } catch (error) {
      logger.warn({ err: error, dc }, 'publish of a peer datacenter presence change failed; replayed later')
    }
    return c.body(null, 202)
  })
}

/** The body of a forwarded presence request, checked: 400 invalid_request for anything else. */
export function remoteChanges(body: Record<string, unknown>): {
  dc: string
  changes: PresenceStatus[]
  ttlMs: number
  ask: boolean
} {
  const { dc, changes, ttlMs = 0, ask = false } = body
  if (typeof dc !== 'string' || !DC_PATTERN.test(dc)) throw invalid('"dc" must be a datacenter name')
  if (!Array.isArray(changes) || changes.length > MAX_REMOTE_CHANGES)
    throw invalid(`"changes" must be an array of at most ${MAX_REMOTE_CHANGES} changes`)
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS)
    throw invalid(`"ttlMs" must be an integer from 0 (no expiry) to ${MAX_TTL_MS}`)
  if (typeof ask !== 'boolean') throw invalid('"ask" must be a boolean')
  return {
    dc,
    ttlMs,
    ask,
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
