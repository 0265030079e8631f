/** `npm run bench -- <scenario|all> [--quick]`: runs Likewire's benchmark scenarios. */
import { availableParallelism } from 'node:os'
import { Command, InvalidArgumentError } from 'commander'
import { demoFramesScenario, runDemoFrames } from './demo/demo-frames'
import { writeReport } from './report/write-report'
import { http2Scenario, presenceScenario, scenarios } from './scenarios/catalog'
import { DEFAULT_HISTORY, parseHistory } from './scenarios/history'
import { runHttp2 } from './scenarios/http2'
import { runPresence } from './scenarios/presence'
import { fromRoot, resultsDir, runScenario } from './scenarios/run-scenario'
import { runTabs, tabsScenario } from './scenarios/tabs'
import { PEERS, type Peer } from './server/protocol'

const integer = (value: string) => {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number')
  return parsed
}

/** `--peers nchan,hono`: known names only, so a typo stops before any process starts. */
const peerList = (value: string): Peer[] => {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const unknown = names.filter((name) => !(PEERS as readonly string[]).includes(name))
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown peer ${unknown.join(', ')}; use ${PEERS.join(', ')}`)
  return names as Peer[]
}

/** `--workers <n|auto>` as the server takes it: 'auto' is one per core. */
const serverWorkers = (value: string) => (value === 'auto' ? availableParallelism() : positive(value))

const positive = (value: string) => {
  const parsed = integer(value)
  if (parsed < 1) throw new InvalidArgumentError('expected at least 1')
  return parsed
}

/** `--history` alone: the default rule; with rules: checked here, so a typo stops before any process starts. */
const historyRules = (value: string) => {
  try {
    parseHistory(value)
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
  return value
}

// tabs drives a browser, http2 compares several runs, presence churns members: each has a runner of its own
const names = [
  ...scenarios.map((scenario) => scenario.name),
  http2Scenario.name,
  tabsScenario.name,
  presenceScenario.name,
  demoFramesScenario.name,
]

const program = new Command('bench')
  .description('Likewire benchmark: raw-TCP SSE load generator against frontends in child processes')
  .argument(
    '<scenario>',
    `one of ${names.join(', ')}, all, or report (regenerate docs/benchmarks.md from results/)`,
  )
  .option(
    '--quick',
    'smoke run (50 connections, 2 s): checks the harness, not the speed; never judged, written to results/quick/',
    false,
  )
  .option('--connections <n>', 'override the connection count', integer)
  .option('--frontends <n>', 'override the number of frontend processes', integer)
  .option('--duration <s>', 'override the publish duration in seconds', integer)
  .option('--rate <n>', 'override the publishes/s (e.g. above the target, to find the ceiling)', integer)
  .option(
    '--flush-window <auto|ms>',
    "Likewire's flushWindowMs: auto (the server's default: follows the load) or a fixed window (0 = once per tick)",
    (value: string) => (value === 'auto' ? 'auto' : integer(value)),
    'auto',
  )
  .option(
    '--history [rules]',
    `history rules for the Likewire servers, as their CLI takes them (pattern=size[/ttlSeconds],...); alone: ${DEFAULT_HISTORY}. A fire-and-forget scenario run with history writes <scenario>-history.json, without baselines`,
    historyRules,
  )
  .option('--no-baselines', 'skip the peers (nchan, better-sse, hono streamSSE, socket.io + redis adapter)')
  .option(
    '--peers <list>',
    `the peers to run beside Likewire, comma-separated, of those the scenario serves (${PEERS.join(', ')}; default: all)`,
    peerList,
  )
  .option(
    '--workers <n|auto>',
    "Likewire's processes per node (the server's --workers, started with its CLI; auto: one per core); nchan gets as many nginx workers in all. Writes <scenario>-workers<n>.json",
    serverWorkers,
  )
  .option(
    '--load-workers <n>',
    'load-generator processes (default: ~1,500 sockets each in latency scenarios)',
    positive,
  )
  .option(
    '--load-client <native|node>',
    "what reads plain SSE clients: native (the default: load/native/sse-load.c, epoll, built with cc on first use; Node where it cannot build) or node. Socket.IO, TLS, HTTP/2, cut and history clients are always Node's",
    (value: string) => {
      if (value !== 'native' && value !== 'node') throw new InvalidArgumentError('expected native or node')
      return value
    },
  )
  .option('--cpu-prof <dir>', 'write V8 CPU profiles of the server processes into <dir>')
  .action(async (name: string, flags) => {
    if (name === demoFramesScenario.name)
      return void (await runDemoFrames(flags, `npm run bench -- ${process.argv.slice(2).join(' ')}`))
    const chosen =
      name === 'all' ? scenarios : name === 'report' ? [] : scenarios.filter((s) => s.name === name)
    const tabs = name === tabsScenario.name || name === 'all'
    const http2 = name === http2Scenario.name || name === 'all'
    const presence = name === presenceScenario.name || name === 'all'
    if (name !== 'report' && chosen.length === 0 && !tabs && !http2 && !presence)
      program.error(`unknown scenario ${name}; use ${names.join(', ')}, all or report`)
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`
    // a smoke run never writes over the committed results or docs/benchmarks.md: results/quick/ is git-ignored
    const outDir = flags.quick ? new URL('quick/', resultsDir) : resultsDir
    for (const scenario of chosen) {
      await runScenario(
        scenario,
        {
          quick: flags.quick,
          connections: flags.connections,
          frontends: flags.frontends,
          durationSec: flags.duration,
          ratePerSec: flags.rate,
          flushWindowMs: flags.flushWindow,
          history: flags.history === true ? DEFAULT_HISTORY : flags.history,
          baselines: flags.baselines,
          peers: flags.peers,
          loadWorkers: flags.loadWorkers,
          loadClient: flags.loadClient,
          serverWorkers: flags.workers,
          cpuProfDir: flags.cpuProf,
          outDir,
        },
        command,
      )
    }
    if (http2)
      await runHttp2(
        {
          quick: flags.quick,
          outDir,
          connections: flags.connections,
          ratePerSec: flags.rate,
          durationSec: flags.duration,
          cpuProfDir: flags.cpuProf,
        },
        command,
      )
    if (tabs) await runTabs({ quick: flags.quick, outDir }, command)
    if (presence)
      await runPresence(
        {
          quick: flags.quick,
          connections: flags.connections,
          frontends: flags.frontends,
          durationSec: flags.duration,
          flushWindowMs: 0,
          baselines: false,
          outDir,
        },
        command,
      )
    if (name === 'all' || name === 'report') {
      const file = flags.quick
        ? writeReport(outDir, new URL('benchmarks.md', outDir))
        : writeReport(resultsDir)
      process.stderr.write(`wrote ${fromRoot(file)}\n`)
    }
  })

await program.parseAsync()
