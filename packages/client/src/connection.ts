import { createParser } from 'eventsource-parser'
import { errorCode } from './errors'
import {
  type EventPosition,
  type LikewireEvent,
  type LikewireGap,
  parseEvent,
  parseGap,
  parseStart,
} from './event'
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_TIMEOUT_FACTOR, type Timers } from './options'
import { StateReason } from './state'
import type { Transport } from './transport/transport'

/** Control event types of protocol v1; data events use the default type. */
export const ControlEvent = {
  connected: 'likewire.connected',
  heartbeat: 'likewire.heartbeat',
  reconnect: 'likewire.reconnect',
  /** Events of a history topic are missing; data `{topic, reason, epoch, offset}`. */
  gap: 'likewire.gap',
  position: 'likewire.position',
} as const

export interface ConnectedInfo {
  connectionId: string
  nodeId: string
  heartbeatMs: number
}

/** Why a stream is over, and for a drain hint how long to wait. */
export interface ConnectionDown {
  reason: StateReason
  /** Server-requested delay of the next reconnect: `likewire.reconnect`'s, or a `retry:` sent after connect. */
  delayMs?: number
  status?: number
  error?: unknown
  /** The body of a refused connect (a 4xx): a 403 may name the topics refused (`error.topics`). */
  body?: string
}

export interface ConnectionHandlers {
  onConnected(info: ConnectedInfo): void
  onEvent(event: LikewireEvent): void
  /** A `likewire.gap` frame: events of a history topic are missing. */
  onGap?(gap: LikewireGap): void
  /** A `likewire.position` frame: where a fresh subscription of a history topic starts. */
  onStart?(topic: string, position: EventPosition): void
  /** The preamble's `retry:` (before `likewire.connected`): the server's base reconnect delay. */
  onRetry(ms: number): void
  onError(error: unknown): void
  /** The transport holds more than its bound of response text: the stream should be replaced. */
  onResponseLimit?(): void
  /** Called at most once, and never after `abort()`. */
  onDown(down: ConnectionDown): void
}

export interface ConnectionOptions {
  transport: Transport
  url: string
  headers: Record<string, string>
  timers: Timers
  /** Fixed watchdog timeout; undefined means 2.5 heartbeats as announced by the server. */
  heartbeatTimeoutMs: number | undefined
  /** The heartbeat the server announced last time: it bounds a connect that never answers. */
  lastHeartbeatMs?: number | undefined
}

/** One SSE stream: transport bytes -> eventsource-parser -> frames, guarded by a heartbeat watchdog. */
export function openConnection(options: ConnectionOptions, handlers: ConnectionHandlers): { abort(): void } {
  const { timers } = options
  let over = false
  let watchdog: unknown
  let timeoutMs =
    options.heartbeatTimeoutMs ?? (options.lastHeartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_TIMEOUT_FACTOR
  let abortStream: (() => void) | undefined
  let connected = false
  let hintMs: number | undefined // a `retry:` after the preamble: a hint for this stream's next reconnect only

  const stop = () => {
    over = true
    timers.clearTimeout(watchdog)
    abortStream?.()
  }
  const down = (info: ConnectionDown) => {
    if (over) return
    stop()
    handlers.onDown(info.delayMs === undefined && hintMs !== undefined ? { ...info, delayMs: hintMs } : info)
  }
  const armWatchdog = () => {
    timers.clearTimeout(watchdog)
    watchdog = timers.setTimeout(() => down({ reason: StateReason.heartbeatTimeout }), timeoutMs)
  }

  // a fresh parser per stream: a partial event left by a dead stream is never delivered
  const parser = createParser({
    onRetry(ms) {
      if (over) return
      if (connected) hintMs = ms
      else handlers.onRetry(ms)
    },
    onEvent(message) {
      if (over) return // the rest of a chunk after a reconnect hint
      if (message.event === undefined || message.event === 'message') {
        const event = parseEvent(message.data, message.id)
        if (event) handlers.onEvent(event)
        else
          handlers.onError(new Error(`likewire: malformed data frame ignored: ${message.data.slice(0, 200)}`))
        return
      }
      if (message.event === ControlEvent.connected) {
        const info = parseJson(message.data) as Partial<ConnectedInfo> | null
        if (!info || typeof info.connectionId !== 'string') return down({ reason: StateReason.networkError })
        const heartbeatMs = typeof info.heartbeatMs === 'number' ? info.heartbeatMs : DEFAULT_HEARTBEAT_MS
        if (options.heartbeatTimeoutMs === undefined) timeoutMs = heartbeatMs * HEARTBEAT_TIMEOUT_FACTOR
        armWatchdog()
        connected = true
        handlers.onConnected({
          connectionId: info.connectionId,
          nodeId: String(info.nodeId ?? ''),
          heartbeatMs,
        })
      } else if (message.event === ControlEvent.gap) {
        const gap = parseGap(message.data)
        if (gap) handlers.onGap?.(gap)
        else
          handlers.onError(new Error(`likewire: malformed gap frame ignored: ${message.data.slice(0, 200)}`))
      } else if (message.event === ControlEvent.position) {
        const start = parseStart(message.data)
        if (start) handlers.onStart?.(start.topic, start.position)
      } else if (message.event === ControlEvent.reconnect) {
        const hint = parseJson(message.data) as { delayMs?: unknown; reason?: unknown } | null
        const delayMs = typeof hint?.delayMs === 'number' && hint.delayMs >= 0 ? hint.delayMs : (hintMs ?? 0)
        // an expired token: back at once with fresh credentials; any other reason is a drain
        const reason =
          hint?.reason === 'token_expired' ? StateReason.tokenExpired : StateReason.serverShutdown
        down({ reason, delayMs })
      }
      // heartbeats (and unknown control types) only prove liveness, which any chunk already did
    },
  })

  armWatchdog() // also bounds a connect that never answers
  abortStream = options.transport.stream(options.url, options.headers, {
    onResponse(status, body) {
      if (status === 200) return
      const reason =
        status === 401
          ? errorCode(body ?? '') === 'token_expired'
            ? StateReason.tokenExpired
            : StateReason.unauthorized
          : status === 403
            ? StateReason.forbidden
            : StateReason.httpError
      down({ reason, status, ...(body === undefined ? {} : { body }) })
    },
    onChunk(text) {
      if (over) return
      armWatchdog()
      parser.feed(text)
    },
    onResponseLimit() {
      if (!over) handlers.onResponseLimit?.()
    },
    onEnd(error) {
      down(
        error === undefined
          ? { reason: StateReason.streamEnded }
          : { reason: StateReason.networkError, error },
      )
    },
  })
  if (over) abortStream() // the transport answered synchronously with a failure

  return {
    abort() {
      if (!over) stop()
    },
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
