import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { selfSignedCertificate } from '@likewire/testkit'
import { progress } from '../lib/progress'
import { type ResultHead, resultHead } from '../lib/result-head'
import { http2Scenario } from './catalog'
import { type FanoutPlan, runFanout } from './fanout'
import {
  figures,
  judgeHttp2,
  type ModeSpec,
  type ProtocolRun,
  type Ratios,
  ratiosToHttp1Tls,
  round,
} from './http2-figures'
import { LOCAL_ADDRESSES, workersFor } from './options'
import { fromRoot } from './run-scenario'

export const HTTP2_COMMAND = 'npm run bench -- http2'

export type { ProtocolMode, ProtocolRun } from './http2-figures'

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

/** What `results/http2.json` holds. */
export interface Http2Result extends ResultHead<'http2'> {
  plan: Http2Plan
  runs: ProtocolRun[]
  /** Each run / the HTTP/1.1-over-TLS run, per figure (< 1: cheaper than HTTP/1.1 over TLS). */
  ratios: Ratios
}

const load = () => round(loadavg()[0]!)

/** The ways the same fan-out is served, in the order they run. */
const modes = (plan: Http2Plan): ModeSpec[] => [
  { mode: 'http1-tls', title: 'HTTP/1.1 over TLS', tls: true, streamsPerSession: 1 },
  {
    mode: 'h2',
    title: `HTTP/2, ${plan.streamsPerSession} streams per session`,
    tls: true,
    streamsPerSession: plan.streamsPerSession,
  },
  { mode: 'h2-single', title: 'HTTP/2, 1 stream per session', tls: true, streamsPerSession: 1 },
  { mode: 'http1', title: 'HTTP/1.1 cleartext (reference)', tls: false, streamsPerSession: 1 },
]

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
      runs.push(
        figures(spec, result, Math.floor((plan.durationSec * 1000) / plan.tickMs), [startLoad, load()]),
      )
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
  const ratios = ratiosToHttp1Tls(runs)
  const checks = options.quick ? {} : judgeHttp2(runs)
  const result: Http2Result = {
    ...resultHead('http2', http2Scenario, { checks, quick: options.quick, command, loadAtStart }),
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
