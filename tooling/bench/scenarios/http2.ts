import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { selfSignedCertificate } from '@likewire/testkit'
import type { Percentiles } from '../lib/histogram'
import { type MachineInfo, machineInfo } from '../lib/machine'
import { progress } from '../lib/progress'
import { http2Scenario } from './catalog'
import { type FanoutPlan, type FanoutResult, runFanout } from './fanout'
import { LOCAL_ADDRESSES, workersFor } from './options'
import { fromRoot } from './run-scenario'

export const HTTP2_COMMAND = 'npm run bench -- http2'

/** The ways the same fan-out is served, in the order they run. */
export type ProtocolMode = 'http1-tls' | 'h2' | 'h2-single' | 'http1'

export interface Http2Plan {
  connections: number
  /** Streams per HTTP/2 session in the `h2` run. */
  streamsPerSession: number
  ratePerSec: number
  /** One publish batch per tick: `ratePerSec * tickMs / 1000` events, each batch one flush per stream. */
  tickMs: number
  durationSec: number
  workers: number
}

/**
 * 100 streams per session: what a proxy or a browser multiplexing many streams holds on one connection
 * (RFC 9113 asks servers to allow at least 100 concurrent streams; nginx allows 128, Apache 100, and
 * Node's client assumes 100 before the server's SETTINGS). 1 per session is the other end: a browser
 * whose tabs share one Likewire stream (the client's default) opens one stream on its connection.
 */
export const http2Plan = (
  quick: boolean,
  overrides: { connections?: number; ratePerSec?: number; durationSec?: number } = {},
): Http2Plan => {
  const connections = overrides.connections ?? (quick ? 50 : 10_000)
  return {
    connections,
    // quick: 5 sessions of 10, so the pool's session handling runs too
    streamsPerSession: quick ? 10 : 100,
    ratePerSec: overrides.ratePerSec ?? (quick ? 100 : 2),
    // quick: 5 events per batch, full: 2; a sink writing per frame instead of per flush shows at once.
    // One batch a second: a flush of 10K TLS streams took 0.2-0.35 s of server CPU here, so every protocol
    // stays below saturation (a server that falls behind merges batches and looks cheaper per delivery)
    tickMs: quick ? 50 : 1000,
    durationSec: overrides.durationSec ?? (quick ? 2 : 30),
    workers: quick ? 1 : workersFor(connections, 2),
  }
}

/** One way of serving it, measured: every figure per delivery is over the publish window (publish + drain). */
export interface ProtocolRun {
  mode: ProtocolMode
  title: string
  tls: boolean
  /** Streams per TCP connection the load generator opened (HTTP/1.1: 1). */
  streamsPerSession: number
  /** The 1-minute load average when this run started and ended (the box is shared). */
  loadAverage: [number, number]
  connections: number
  connected: number
  /** TCP connections the server held (HTTP/2: its sessions). */
  serverSockets: number
  published: number
  /** Publish batches the plan asks for, and those published: fewer means ticks ran late (the server fell behind). */
  plannedBatches: number
  batches: number
  /** Flushes over all streams in the window: a batch on every stream, and each heartbeat the clients got. */
  flushes: number
  expected: number
  delivered: number
  lost: number
  deliveriesPerSec: number
  latencyMs: Percentiles
  connectSeconds: number
  /** Server CPU (user + system) over the publish window. */
  serverCpuMs: number
  writeSyscalls: number | null
  streamWrites: number | null
  perDelivery: { serverCpuUs: number; writeSyscalls: number | null; streamWrites: number | null }
  /** Server CPU per stream write (a flush of one stream: its events, or a heartbeat). */
  serverCpuUsPerStreamWrite: number | null
  /** Stream writes / flushes: 1 is one write per stream per flush. */
  streamWritesPerFlush: number | null
  serverRssPerStreamKiB: number
  serverHeapPerStreamKiB: number
  loadCpuMs: number
  loadErrors: number
  frontendErrors: string[]
}

/** What `results/http2.json` holds. */
export interface Http2Result {
  scenario: 'http2'
  what: string
  target: string
  /** Every check met; null for a smoke run (`--quick`), never judged. */
  met: boolean | null
  checks: Record<string, boolean>
  quick: boolean
  command: string
  ranAt: string
  machine: MachineInfo
  /** The 1-minute load average at the start and the end of the whole scenario. */
  loadAverage: [number, number]
  plan: Http2Plan
  runs: ProtocolRun[]
  /** Each run / the HTTP/1.1-over-TLS run, per figure (< 1: cheaper than HTTP/1.1 over TLS). */
  ratios: Partial<
    Record<
      ProtocolMode,
      { serverCpuPerDelivery: number; writeSyscallsPerDelivery: number | null; rssPerStream: number }
    >
  >
}

const modes = (plan: Http2Plan) => [
  { mode: 'http1-tls' as const, title: 'HTTP/1.1 over TLS', tls: true, streamsPerSession: 1 },
  {
    mode: 'h2' as const,
    title: `HTTP/2, ${plan.streamsPerSession} streams per session`,
    tls: true,
    streamsPerSession: plan.streamsPerSession,
  },
  { mode: 'h2-single' as const, title: 'HTTP/2, 1 stream per session', tls: true, streamsPerSession: 1 },
  { mode: 'http1' as const, title: 'HTTP/1.1 cleartext (reference)', tls: false, streamsPerSession: 1 },
]

/** At least this share of the planned batches, or the run was not at the planned load. */
const ON_TIME = 0.9

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
const load = () => round(loadavg()[0]!)
const per = (count: number | null, delivered: number) =>
  count === null || delivered === 0 ? null : round(count / delivered, 3)
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : round(a / b)

/** Each mode's checks; HTTP/2 is judged against HTTP/1.1 over TLS, what a browser would otherwise use. */
export function judgeHttp2(runs: ProtocolRun[]): Record<string, boolean> {
  const by = (mode: ProtocolMode) => runs.find((run) => run.mode === mode)
  const base = by('http1-tls')
  const cheapEnough = (run: ProtocolRun | undefined) =>
    run !== undefined &&
    base !== undefined &&
    run.perDelivery.serverCpuUs <= http2Scenario.cpuRatioTarget * base.perDelivery.serverCpuUs
  const h2 = by('h2')
  return {
    // a server that fell behind merges batches into fewer, bigger writes: its cost per delivery drops
    'equal load: every run published its batches on time': runs.every(
      (run) => run.batches >= ON_TIME * run.plannedBatches,
    ),
    [`${h2?.title ?? 'HTTP/2 (many streams per session)'}: <= ${http2Scenario.cpuRatioTarget}x HTTP/1.1-over-TLS CPU per delivery`]:
      cheapEnough(h2),
    [`HTTP/2, 1 stream per session: <= ${http2Scenario.cpuRatioTarget}x HTTP/1.1-over-TLS CPU per delivery`]:
      cheapEnough(by('h2-single')),
    'one stream write per stream per flush, every protocol': runs.every(
      (run) => run.streamWrites !== null && run.streamWrites <= run.flushes,
    ),
    '0 lost, every protocol': runs.every((run) => run.lost === 0 && run.connected === run.connections),
  }
}

/**
 * The scenario: one embedded frontend (the built server, in a child process) serving a self-signed
 * certificate, the same subscribers and publish plan once per protocol. Writes `<outDir>/http2.json`.
 */
export async function runHttp2(
  options: {
    quick: boolean
    outDir?: URL
    connections?: number
    ratePerSec?: number
    durationSec?: number
    cpuProfDir?: string
  },
  command: string,
): Promise<Http2Result> {
  const label = 'http2'
  const plan = http2Plan(options.quick, options)
  const loadAtStart = load()
  const certificate = selfSignedCertificate()
  const runs: ProtocolRun[] = []
  try {
    for (const spec of modes(plan)) {
      progress(label, { phase: spec.mode, connections: plan.connections, workers: plan.workers })
      const startLoad = load()
      const fanout: FanoutPlan = {
        kind: 'likewire',
        mode: 'embedded',
        label: `${label}:${spec.mode}`,
        frontends: 1,
        // each batch alternates the topics: a flush has one frame per event, joined by the sink into one write
        topics: 2,
        everyTopic: true,
        connections: plan.connections,
        ratePerSec: plan.ratePerSec,
        durationMs: plan.durationSec * 1000,
        tickMs: plan.tickMs,
        workers: plan.workers,
        flushWindowMs: 0,
        localAddresses: LOCAL_ADDRESSES,
        connectTimeoutMs: options.quick ? 20_000 : 180_000,
        warmupMs: options.quick ? 0 : 2000,
        cpuProfDir: options.cpuProfDir,
        countWrites: true,
        tls: spec.tls ? { cert: certificate.cert, key: certificate.key } : undefined,
        client:
          spec.mode === 'h2' || spec.mode === 'h2-single'
            ? { protocol: 'h2', streamsPerSession: spec.streamsPerSession }
            : { protocol: 'http1' },
      }
      const result = await runFanout(fanout)
      runs.push(figures(spec, result, plan, [startLoad, load()]))
      const last = runs.at(-1)!
      progress(label, {
        mode: spec.mode,
        lost: last.lost,
        cpuUsPerDelivery: last.perDelivery.serverCpuUs,
        syscallsPerDelivery: last.perDelivery.writeSyscalls ?? 'n/a',
        writesPerFlush: last.streamWritesPerFlush ?? 'n/a',
        sockets: last.serverSockets,
        p99: last.latencyMs.p99,
      })
    }
  } finally {
    certificate.remove()
  }
  const base = runs.find((run) => run.mode === 'http1-tls')
  const ratios: Http2Result['ratios'] = {}
  for (const run of runs) {
    if (!base || run === base) continue
    ratios[run.mode] = {
      serverCpuPerDelivery: ratio(run.perDelivery.serverCpuUs, base.perDelivery.serverCpuUs) ?? 0,
      writeSyscallsPerDelivery: ratio(run.perDelivery.writeSyscalls, base.perDelivery.writeSyscalls),
      rssPerStream: ratio(run.serverRssPerStreamKiB, base.serverRssPerStreamKiB) ?? 0,
    }
  }
  const checks = options.quick ? {} : judgeHttp2(runs)
  const result: Http2Result = {
    scenario: 'http2',
    what: http2Scenario.what,
    target: http2Scenario.target,
    met: options.quick ? null : Object.values(checks).every(Boolean),
    checks,
    quick: options.quick,
    command,
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: [loadAtStart, load()],
    plan,
    runs,
    ratios,
  }
  const summary = Object.fromEntries(
    runs.map((run) => [run.mode, `${run.perDelivery.serverCpuUs}us/${run.lost}lost`]),
  )
  if (result.met === null) progress(label, summary, 'smoke run (--quick), not judged against targets')
  else progress(label, { met: String(result.met), ...summary })
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true })
    const file = new URL('http2.json', options.outDir)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    process.stderr.write(`[${label}] wrote ${fromRoot(file)}\n`)
  }
  return result
}

function figures(
  spec: ReturnType<typeof modes>[number],
  r: FanoutResult,
  plan: Http2Plan,
  loadAverage: [number, number],
): ProtocolRun {
  const { serverCpuMs, writeSyscalls, streamWrites, batches, heartbeats } = r.publishWindow
  // every stream on every topic of one frontend: every batch is a flush on every stream
  const flushes = batches * r.connected + heartbeats
  return {
    ...spec,
    loadAverage,
    connections: r.connections,
    connected: r.connected,
    serverSockets: r.serverSockets,
    published: r.published,
    plannedBatches: Math.floor((plan.durationSec * 1000) / plan.tickMs),
    batches,
    flushes,
    expected: r.expected,
    delivered: r.delivered,
    lost: r.lost,
    deliveriesPerSec: r.deliveriesPerSec,
    latencyMs: r.latencyMs,
    connectSeconds: r.connectSeconds,
    serverCpuMs,
    writeSyscalls,
    streamWrites,
    perDelivery: {
      serverCpuUs: r.delivered > 0 ? round((serverCpuMs * 1000) / r.delivered, 3) : 0,
      writeSyscalls: per(writeSyscalls, r.delivered),
      streamWrites: per(streamWrites, r.delivered),
    },
    serverCpuUsPerStreamWrite: streamWrites ? round((serverCpuMs * 1000) / streamWrites, 3) : null,
    streamWritesPerFlush: streamWrites === null || flushes === 0 ? null : round(streamWrites / flushes, 3),
    serverRssPerStreamKiB: r.serverRssPerConnectionKiB,
    serverHeapPerStreamKiB: r.serverHeapPerConnectionKiB,
    loadCpuMs: r.loadCpuMs,
    loadErrors: r.loadErrors,
    frontendErrors: r.frontendErrors,
  }
}
