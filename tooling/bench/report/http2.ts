import { HTTP2_COMMAND, type Http2Result, type ProtocolRun } from '../scenarios/http2'

const n = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value)
const ms = (value: number) => `${Math.round(value * 10) / 10}`
const figure = (value: number | null) => (value === null ? 'not counted' : `${value}`)
const times = (value: number | null | undefined) => (value == null ? '' : ` (x${value})`)
const mark = (met: boolean) => (met ? 'met' : '**missed**')

/**
 * "HTTP/2 vs HTTP/1.1: cost per delivery": one row per protocol, the same fan-out each time, with the
 * server's CPU, write syscalls and stream writes per delivery. Not run yet: the command that runs it.
 */
export function http2Section(r: Http2Result | undefined): string[] {
  const head = ['## HTTP/2 vs HTTP/1.1: cost per delivery', '']
  if (!r)
    return [...head, `Not run yet: \`${HTTP2_COMMAND}\` writes \`tooling/bench/results/http2.json\`.`, '']
  const p = r.plan
  const perBatch = Math.round((p.ratePerSec * p.tickMs) / 100) / 10
  return [
    ...head,
    `${r.what}. Target: ${r.target}. \`${r.command}\`, ${r.ranAt}, load average ${r.loadAverage.join(' then ')} (1 min, ${r.machine.cpus} cores).`,
    '',
    ...(r.met === null
      ? ['- smoke run (`--quick`): not judged against the targets']
      : Object.entries(r.checks).map(([check, met]) => `- ${check}: ${mark(met)}`)),
    '',
    `Each row is one run of the same plan: ${n(p.connections)} SSE streams on one embedded frontend, each on the same`,
    '2 topics (the built server in its own process, with a self-signed P-256 certificate for the TLS rows),',
    `a publish batch of ${perBatch} events every ${p.tickMs} ms (the topics in turn) for ${p.durationSec} s, counted back by ${p.workers}`,
    'load-generator process(es) (HTTP/2: `node:http2` sessions). Per delivery, over the publish window',
    "(publishing and the drain): the server process's CPU (user + system), its write(2)/writev(2) calls",
    '(`syscw` of /proc/<pid>/io, sockets included) and its stream writes in JS (each a sink handing over one',
    'flush). Writes per flush: stream writes / flushes (a batch on every stream, and each heartbeat the',
    'clients got). Fewer batches than planned: ticks ran late and merged, so the server was behind. RSS per',
    'stream: the server with every stream open over the server idle, after a full GC. Brackets: this row /',
    'HTTP/1.1 over TLS.',
    '',
    '| protocol | streams per TCP connection | server TCP connections | delivered (lost) | deliveries/s | batches (planned) | server CPU µs per delivery | server CPU µs per stream write | write syscalls per delivery | stream writes per flush | server RSS KiB per stream | p50 / p99 ms | load average |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...r.runs.map((run) => row(run, r)),
    '',
  ]
}

function row(run: ProtocolRun, r: Http2Result): string {
  const ratio = r.ratios[run.mode]
  return [
    '',
    run.title,
    run.streamsPerSession,
    n(run.serverSockets),
    `${n(run.delivered)} (${n(run.lost)})`,
    n(run.deliveriesPerSec),
    `${run.batches} (${run.plannedBatches})`,
    `${run.perDelivery.serverCpuUs}${times(ratio?.serverCpuPerDelivery)}`,
    figure(run.serverCpuUsPerStreamWrite),
    `${figure(run.perDelivery.writeSyscalls)}${times(ratio?.writeSyscallsPerDelivery)}`,
    figure(run.streamWritesPerFlush),
    `${run.serverRssPerStreamKiB}${times(ratio?.rssPerStream)}`,
    `${ms(run.latencyMs.p50)} / ${ms(run.latencyMs.p99)}`,
    run.loadAverage.join(' then '),
    '',
  ]
    .join(' | ')
    .trim()
}
