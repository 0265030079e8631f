import { randomBytes } from 'node:crypto'
import pino, { type Logger } from 'pino'
import { type Auth, createAuth } from '../auth/auth'
import { createMetrics, type Metrics } from '../metrics/metrics'
import { defaultOptions, type LikewireOptions, withDefaults } from '../options'

export type ResolvedOptions = ReturnType<typeof resolveOptions>

/** What every role starts from: its options over the defaults, checked, and its id, logger and metrics. */
export interface NodeBase {
  nodeId: string
  options: ResolvedOptions
  logger: Logger
  metrics: Metrics
  /** Who may connect and subscribe to what (built here: a bad `auth` option refuses to start). */
  auth: Auth
}

export const randomNodeId = () => `node-${randomBytes(4).toString('hex')}`

/** Options over their defaults, refused with one clear line when they cannot work. */
export function resolveOptions<O extends LikewireOptions>(options: O) {
  const opts = withDefaults(defaultOptions, options)
  // a heartbeat faster than this floods every stream with control frames
  if (!(opts.heartbeatMs >= 100))
    throw new RangeError(`heartbeatMs must be at least 100, got ${opts.heartbeatMs}`)
  // a window of seconds is a unit mistake (s for ms): refused, not every stream's frames held that long
  if (opts.flushWindowMs !== 'auto' && !windowMs(opts.flushWindowMs))
    throw new RangeError(`flushWindowMs must be 'auto' or 0 to 10000, got ${String(opts.flushWindowMs)}`)
  if (!windowMs(opts.maxFlushWindowMs))
    throw new RangeError(`maxFlushWindowMs must be 0 to 10000, got ${String(opts.maxFlushWindowMs)}`)
  if (!count(opts.historyWindow))
    throw new RangeError(`historyWindow must be 0 or more, got ${String(opts.historyWindow)}`)
  if (!count(opts.historyWindowBytes))
    throw new RangeError(`historyWindowBytes must be 0 or more, got ${String(opts.historyWindowBytes)}`)
  return opts
}

const count = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0
const windowMs = (value: unknown) => typeof value === 'number' && value >= 0 && value <= 10_000

/** The base of a node: `fields` are logged on every line (the dispatcher adds its datacenter). */
export function resolveNode(options: LikewireOptions, fields: Record<string, string> = {}): NodeBase {
  const opts = resolveOptions(options)
  const auth = createAuth(opts)
  const nodeId = opts.nodeId ?? randomNodeId()
  return {
    auth,
    nodeId,
    options: opts,
    logger: opts.logger ?? pino({ level: opts.logLevel, base: { nodeId, ...fields } }),
    metrics: createMetrics({ defaultMetrics: opts.processMetrics }),
  }
}
