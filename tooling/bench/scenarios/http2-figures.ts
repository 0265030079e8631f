import type { Percentiles } from '../lib/histogram'
import { http2Scenario } from './catalog'
import type { FanoutResult } from './fanout'

/** The ways the same fan-out is served. */
export type ProtocolMode = 'http1-tls' | 'h2' | 'h2-single' | 'http1'

/** One way of serving the fan-out. */
export interface ModeSpec {
  mode: ProtocolMode
  title: string
  tls: boolean
  /** Streams per TCP connection the load generator opens (HTTP/1.1: 1). */
  streamsPerSession: number
}

/** One way of serving it, measured: every figure per delivery is over the publish window (publish + drain). */
export interface ProtocolRun extends ModeSpec {
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

/** Each run / the HTTP/1.1-over-TLS run, per figure (< 1: cheaper than HTTP/1.1 over TLS). */
export type Ratios = Partial<
  Record<
    ProtocolMode,
    { serverCpuPerDelivery: number; writeSyscallsPerDelivery: number | null; rssPerStream: number }
  >
>

/** At least this share of the planned batches, or the run was not at the planned load. */
const ON_TIME = 0.9

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
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

/** Every run against the HTTP/1.1-over-TLS one. */
export function ratiosToHttp1Tls(runs: ProtocolRun[]): Ratios {
  const base = runs.find((run) => run.mode === 'http1-tls')
  const ratios: Ratios = {}
  for (const run of runs) {
    if (!base || run === base) continue
    ratios[run.mode] = {
      serverCpuPerDelivery: ratio(run.perDelivery.serverCpuUs, base.perDelivery.serverCpuUs) ?? 0,
      writeSyscallsPerDelivery: ratio(run.perDelivery.writeSyscalls, base.perDelivery.writeSyscalls),
      rssPerStream: ratio(run.serverRssPerStreamKiB, base.serverRssPerStreamKiB) ?? 0,
    }
  }
  return ratios
}

/** A run's figures from its fan-out result: every one per delivery is over the publish window. */
export function figures(
  spec: ModeSpec,
  r: FanoutResult,
  plannedBatches: number,
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
    plannedBatches,
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
