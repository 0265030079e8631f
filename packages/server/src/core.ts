import type { Logger } from 'pino'
import type { Dispatcher } from './dispatcher/dispatcher'
import type { Frontend } from './frontend/frontend'
import type { Metrics } from './metrics/metrics'
import type { LikewireOptions } from './options'
import type { ViewerCounts } from './presence/viewer-counts'
import type { Registry } from './registry/registry'

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
  registry: Registry
  metrics: Metrics
  logger: Logger
  health(): Promise<HealthReport>
}
