import type { Logger } from 'pino'
import { ControlEvent, controlFrame, retryFrame } from '../protocol/frames'
import type { Connection } from './connection'
import { ExpiryWheel } from './expiry-wheel'
import type { Frontend } from './frontend'

/** What ends a stream whose token expired: reconnect at once (with a fresh token), then the end. */
const EXPIRED_FRAME = Buffer.concat([
  retryFrame(0),
  controlFrame(ControlEvent.reconnect, { reason: 'token_expired', delayMs: 0 }),
])

/**
 * Ends each stream of `frontend` at its token's expiry (`expiresAt` of its identity, epoch ms), with a
 * `likewire.reconnect` hint of reason `token_expired`: one timer wheel for the node, not a timer per stream.
 */
export function expireTokens(
  frontend: Frontend,
  expiresAt: (identity: unknown) => number | undefined,
  logger: Logger,
): ExpiryWheel<Connection> {
  const wheel = new ExpiryWheel<Connection>(
    (connection) => {
      try {
        connection.writeNow(EXPIRED_FRAME)
      } finally {
        // ended whatever the write did: a token past its exp never keeps its stream
        frontend.remove(connection, 'token_expired')
      }
    },
    (error, connection) =>
      logger.error({ err: error, connectionId: connection.id }, 'ending a stream at token expiry failed'),
  )
  frontend.onOpen((connection) => {
    const at = expiresAt(connection.identity)
    if (at !== undefined) wheel.add(connection, at)
  })
  frontend.onClose((connection) => wheel.delete(connection))
  return wheel
}
