import type { Logger } from 'pino'
import type { Auth } from '../auth/auth'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { Frontend } from '../frontend/frontend'
import type { HistoryRules } from '../history/rules'
import type { Metrics } from '../metrics/metrics'
import type { LikewireOptions } from '../options'
import type { Presence } from '../presence/presence'
import type { ViewerCounts } from '../presence/viewer-counts'
import type { Registry } from '../registry/registry'

type Limits = 'maxPayloadBytes' | 'maxRequestBytes' | 'maxBatchSize' | 'maxSubscriptionsPerConnection'

export interface HealthReport {
  status: 'ok' | 'degraded'
  nodeId: string
  checks: Record<string, { ok: boolean; detail?: string }>
}

/** Everything the HTTP routes of one node work with; a role leaves out the parts it does not run. */
export interface Core {
  nodeId: string
  options: LikewireOptions & Required<Pick<LikewireOptions, Limits>>
  frontend?: Frontend
  dispatcher?: Dispatcher
  viewers?: ViewerCounts
  /** Member presence and topic members (snapshots on subscribe); absent on a dispatcher-only node. */
  presence?: Presence
  registry: Registry
  /** Which topics keep a history (resume, rewind, Last-Event-ID); absent on a dispatcher-only node. */
  history?: HistoryRules | undefined
  metrics: Metrics
  logger: Logger
  /** Who may connect and subscribe to what. @default built from `options` (auth.jwt, the hooks) */
  auth?: Auth | undefined
  health(): Promise<HealthReport>
  /**
   * Cluster mode: hands a subscribe/unsubscribe for a connection held by another node to that node.
   * Undefined when the owner is unknown (then the answer is 404 unknown_connection).
   */
  routeToOwner?: (path: SubscriptionPath, body: Record<string, unknown>) => Promise<Response | undefined>
}

export type SubscriptionPath = '/v1/subscribe' | '/v1/unsubscribe'

/** The node id inside a connection id (`<nodeId>.<uuid>`). */
export function ownerOf(connectionId: unknown): string | undefined {
  if (typeof connectionId !== 'string') return undefined
  const dot = connectionId.lastIndexOf('.')
  return dot > 0 ? connectionId.slice(0, dot) : undefined
}
