import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import { HttpPeerForwarder } from '../peers/peer-forwarder'

/** The forwarder to peer datacenters, or undefined when there are none. */
export function peerForwarder(
  peers: Record<string, string[]> | undefined,
  secret: string,
  metrics: Metrics,
  logger: Logger,
): HttpPeerForwarder | undefined {
  if (!peers || Object.keys(peers).length === 0) return undefined
  return new HttpPeerForwarder({ peers, secret, metrics, logger })
}
