import { type Command, Option } from 'commander'
import { type HistoryRule, parseHistoryRules, resolveRules } from '../history/rules'
import type { ListenOptions } from '../http/listen'
import { defaultServerLimits } from '../http/server'
import { defaultOptions, type PresenceOptions } from '../options'

export interface CommonFlags {
  port: string
  host: string
  apiKey?: string
  heartbeatMs: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  corsOrigins?: string
  nodeId?: string
  headersTimeoutMs: string
  requestTimeoutMs: string
  history?: string
  /** Only on the roles that hold streams (standalone, frontend): see streamOptions. */
  maxBufferedBytes?: string
  presenceGraceMs?: string
  flushWindowMs?: string
  maxFlushWindowMs?: string
  historyWindow?: string
  historyWindowBytes?: string
}

/** Flags every serving role shares; each also reads an environment variable. */
export function commonOptions(command: Command): Command {
  return command
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('LIKEWIRE_PORT').default('8080'))
    .addOption(new Option('--host <host>', 'address to bind').env('LIKEWIRE_HOST').default('0.0.0.0'))
    .addOption(
      new Option('--api-key <key>', 'require Bearer <key> on POST /v1/publish').env('LIKEWIRE_API_KEY'),
    )
    .addOption(
      new Option('--heartbeat-ms <ms>', 'heartbeat interval on every stream (at least 100)')
        .env('LIKEWIRE_HEARTBEAT_MS')
        .default('15000'),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .env('LIKEWIRE_LOG_LEVEL')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .addOption(
      new Option(
        '--cors-origins <list>',
        "origins allowed from browsers: a comma list, or '*' for any (the default)",
      ).env('LIKEWIRE_CORS_ORIGINS'),
    )
    .addOption(new Option('--node-id <id>', 'this node id (default: random)').env('LIKEWIRE_NODE_ID'))
    .addOption(
      new Option(
        '--history <rules>',
        "topics that keep a history: pattern=size[/ttlSeconds],... ('chat:*=100/300,live:*:comments=50')",
      ).env('LIKEWIRE_HISTORY'),
    )
    .addOption(
      new Option('--headers-timeout-ms <ms>', 'time a client has to send its request headers (408 after)')
        .env('LIKEWIRE_HEADERS_TIMEOUT_MS')
        .default(String(defaultServerLimits.headersTimeoutMs)),
    )
    .addOption(
      new Option('--request-timeout-ms <ms>', 'time a client has to send its whole request, body included')
        .env('LIKEWIRE_REQUEST_TIMEOUT_MS')
        .default(String(defaultServerLimits.requestTimeoutMs)),
    )
}

/** Flags of the roles that hold streams (standalone, frontend). */
export function streamOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--max-buffered-bytes <n>',
        'bytes a stream may have queued but unsent before it is dropped as a slow consumer',
      )
        .env('LIKEWIRE_MAX_BUFFERED_BYTES')
        .default('1048576'),
    )
    .addOption(
      new Option(
        '--presence-grace-ms <ms>',
        'how long a member with no connection left stays online (a reconnect within it publishes nothing); the same on every node',
      )
        .env('LIKEWIRE_PRESENCE_GRACE_MS')
        .default('60000'),
    )
    .addOption(
      new Option(
        '--flush-window-ms <auto|ms>',
        "least time between two flushes of the streams: 'auto' follows the load (0 while the node has room), a number fixes it (0: every tick)",
      )
        .env('LIKEWIRE_FLUSH_WINDOW_MS')
        .default('auto'),
    )
    .addOption(
      new Option(
        '--max-flush-window-ms <ms>',
        'with --flush-window-ms auto: the longest window it picks (half of it while each write carries one event)',
      )
        .env('LIKEWIRE_MAX_FLUSH_WINDOW_MS')
        .default(String(defaultOptions.maxFlushWindowMs)),
    )
    .addOption(
      new Option(
        '--history-window <events>',
        'recent events kept per history topic to answer resumes from memory (0: none, every resume reads the store)',
      )
        .env('LIKEWIRE_HISTORY_WINDOW')
        .default('10000'),
    )
    .addOption(
      new Option('--history-window-bytes <n>', 'most bytes all history windows of the node keep together')
        .env('LIKEWIRE_HISTORY_WINDOW_BYTES')
        .default(String(64 * 1024 * 1024)),
    )
}

/** The stream limits, flush cadence and member presence those roles take from their flags. */
export function streamFlags(flags: CommonFlags): {
  maxBufferedBytes: number
  flushWindowMs: number | 'auto'
  maxFlushWindowMs: number
  historyWindow: number
  historyWindowBytes: number
  presence: PresenceOptions
} {
  const flushWindow = flags.flushWindowMs ?? 'auto'
  return {
    maxBufferedBytes: intOption(flags.maxBufferedBytes ?? '1048576', 'max-buffered-bytes', { min: 1024 }),
    flushWindowMs:
      flushWindow === 'auto' ? 'auto' : intOption(flushWindow, 'flush-window-ms', { max: 10_000 }),
    maxFlushWindowMs: intOption(
      flags.maxFlushWindowMs ?? String(defaultOptions.maxFlushWindowMs),
      'max-flush-window-ms',
      { max: 10_000 },
    ),
    historyWindow: intOption(flags.historyWindow ?? '10000', 'history-window'),
    historyWindowBytes: intOption(
      flags.historyWindowBytes ?? String(64 * 1024 * 1024),
      'history-window-bytes',
    ),
    presence: {
      graceMs: intOption(flags.presenceGraceMs ?? '60000', 'presence-grace-ms', { max: 86_400_000 }),
    },
  }
}

/** The listen() options every serving role takes from its flags. */
export function listenFlags(flags: CommonFlags): ListenOptions {
  return {
    port: intOption(flags.port, 'port', { max: 65_535 }),
    hostname: flags.host,
    headersTimeoutMs: intOption(flags.headersTimeoutMs, 'headers-timeout-ms', { min: 1 }),
    requestTimeoutMs: intOption(flags.requestTimeoutMs, 'request-timeout-ms', { min: 1 }),
  }
}

/** `--history`, checked now: a bad rule refuses to start with one clear line. */
export function historyFlag(flags: CommonFlags): HistoryRule[] {
  const rules = parseHistoryRules(flags.history)
  resolveRules(rules)
  return rules
}

/** `--heartbeat-ms`, checked here so the message names the flag. */
export function heartbeatFlag(flags: CommonFlags): number {
  return intOption(flags.heartbeatMs, 'heartbeat-ms', { min: 100 })
}

/** `--cors-origins`: `*` or a comma list. */
export function corsFlag(value: string | undefined): { origins: string[] | '*' } | undefined {
  if (!value) return undefined
  return { origins: value.trim() === '*' ? '*' : value.split(',').map((origin) => origin.trim()) }
}

/** Parses an integer flag, failing with the flag's name instead of a stack trace. */
export function intOption(
  value: string,
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
  if (n < min) throw new Error(`--${name} must be at least ${min}, got ${n}`)
  if (n > max) throw new Error(`--${name} must be at most ${max}, got ${n}`)
  return n
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: string) => {
    if (stopping) process.exit(1)
    stopping = true
    console.log(`likewire: ${signal}, draining connections`)
    const force = setTimeout(() => process.exit(0), 10_000)
    force.unref()
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
}
