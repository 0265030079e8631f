import type { Connection } from './connection'

/** How often a paced writer looks whether the client took what was written. */
const DRAIN_POLL_MS = 10

/**
 * Resolves once `connection` has room for more of a burst: at once while its backlog is at most
 * `aheadBytes`, else once the client took it down to half of that (or the connection is gone). A burst
 * written through it (a history replay, a subscribe's snapshots) never drops the reading client it is
 * for as a slow consumer, however large it is, when `aheadBytes` is under the slow-consumer bound.
 */
export async function room(connection: Connection, aheadBytes: number): Promise<void> {
  if (connection.backlog <= aheadBytes) return
  while (!connection.closed && connection.backlog > aheadBytes / 2)
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS))
}
