import type { Connection } from './connection'

/** How often a paced writer looks whether the client took what was written. */
const DRAIN_POLL_MS = 10

/**
 * A client that takes nothing of a paced burst for this long is a slow consumer: dropped, not waited on
 * for as long as it keeps its stream open (each waiting subscribe would hold its snapshots meanwhile).
 */
export const STALL_MS = 30_000

/**
 * Resolves true once `connection` has room for more of a burst: at once while its backlog is at most
 * `aheadBytes`, else once the client took it down to half of that (or the connection is gone). A burst
 * written through it (a history replay, a subscribe's snapshots) never drops the reading client it is
 * for as a slow consumer, however large it is, when `aheadBytes` is under the slow-consumer bound.
 * Resolves false when the backlog went no lower for `stallMs`: the caller drops it as a slow consumer.
 */
export async function room(connection: Connection, aheadBytes: number, stallMs = STALL_MS): Promise<boolean> {
  if (connection.backlog <= aheadBytes) return true
  let lowest = connection.backlog
  let since = Date.now()
  while (!connection.closed && connection.backlog > aheadBytes / 2) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS))
    const now = Date.now()
    if (connection.backlog < lowest) {
      lowest = connection.backlog
      since = now
    } else if (now - since >= stallMs) return false
  }
  return true
}
