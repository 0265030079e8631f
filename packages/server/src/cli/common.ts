import { type Command, Option } from 'commander'

export interface CommonFlags {
  port: string
  host: string
  apiKey?: string
  heartbeatMs: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  corsOrigins?: string
  nodeId?: string
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
      new Option('--heartbeat-ms <ms>', 'heartbeat interval on every stream')
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
      new Option('--cors-origins <list>', 'comma-separated origins allowed from browsers (default: any)').env(
        'LIKEWIRE_CORS_ORIGINS',
      ),
    )
    .addOption(new Option('--node-id <id>', 'this node id (default: random)').env('LIKEWIRE_NODE_ID'))
}

/** `--cors-origins`: `*` or a comma list. */
export function corsFlag(value: string | undefined): { origins: string[] | '*' } | undefined {
  if (!value) return undefined
  return { origins: value.trim() === '*' ? '*' : value.split(',').map((origin) => origin.trim()) }
}

/** Parses an integer flag, failing with the flag's name instead of a stack trace. */
export function intOption(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
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
