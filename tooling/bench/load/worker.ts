/**
 * One load-generator process: holds up to ~19K raw SSE connections (the per-process fd cap), or SSE
 * streams on HTTP/2 sessions (one socket per session, so far fewer), counts frames and records latency
 * (client receipt - `ts`) into an HdrHistogram sent to the parent every second.
 */
import { createHistogram, encodeHistogram } from '../lib/histogram'
import { H2Sessions } from './h2-client'
import { NATIVE_COUNTS, NativeEngine, type NativeStats } from './native/engine'
import type { ClientKind, ClientTls, Target, ToWorker, WorkerStats, WorkerTally } from './protocol'
import { ClientState, tallyClients } from './sequence'
import { openSocketIo } from './socketio-client'
import { SourcePorts } from './source-ports'
import { type ClientEvents, openSse } from './sse-client'

const histogram = createHistogram()
const stats = {
  ready: 0,
  opened: 0,
  closed: 0,
  errors: 0,
  rejected: 0,
  dataFrames: 0,
  untimed: 0,
  gaps: 0,
  heartbeats: 0,
}
let firstError: string | undefined
const sockets = new Set<{ destroy(): void }>()
/** One per connection this worker holds, kept across its reconnects: its position in its topic. */
const clients: Array<{ target: Target; state: ClientState }> = []
let client: ClientKind = 'sse'
/** `sse` over TLS, and `h2`'s certificate. */
let secure: ClientTls | undefined
let h2: H2Sessions | undefined
let reopenAfterClose = false
let reopenJitterMs = 0
/** After a `cut` with `resume`: reconnect from the last position, and count who has caught up. */
let resume = false
let closing = false
let lastReadyAt = 0

let ports: SourcePorts | undefined
/** The native client holding this worker's plain SSE clients: its stats line drives the reports. */
let native: NativeEngine | undefined

/** When the socket read being parsed arrived (0: not read yet for this read). */
let readAt = 0
/** Latencies (us) recorded as runs of one value: the frames of a publish mostly share it, 1 ms resolution. */
let runValue = -1
let runCount = 0
function record(value: number): void {
  if (value === runValue) {
    runCount++
    return
  }
  if (runCount > 0) histogram.recordValueWithCount(runValue, runCount)
  runValue = value
  runCount = 1
}
function flushRecords(): void {
  if (runCount > 0) histogram.recordValueWithCount(runValue, runCount)
  runCount = 0
  runValue = -1
}

function open(target: Target, state: ClientState, done: () => void, attempt = 0): void {
  let counted = false
  let ready = false
  const settle = () => {
    if (!counted) {
      counted = true
      done()
    }
  }
  const from =
    resume && client !== 'socketio' && target.topic !== undefined ? state.seq.resume(target.topic) : undefined
  const path = from === undefined ? target.path : `${target.path}&resume=${from}`
  if (resume) state.reopened(Date.now())
  const events: ClientEvents = {
    onRead() {
      readAt = 0
    },
    onHead(status) {
      if (status !== 200) {
        stats.rejected++
        firstError ??= `HTTP ${status}`
        socket.destroy()
      } else if (target.readyOnHead) events.onConnected()
    },
    onConnected() {
      ready = true
      stats.ready++
      lastReadyAt = Date.now()
      settle()
    },
    onData(ts, offset) {
      stats.dataFrames++
      // a fire-and-forget event has no offset (NaN): nothing more to do
      if (!Number.isNaN(offset)) state.seq.see(offset)
      if (Number.isNaN(ts)) stats.untimed++
      else {
        // Date.now() is the clock `ts` was stamped with (performance.timeOrigin can be off by ms), read once
        // per socket read: every frame of one read arrived at the same time
        readAt ||= Date.now()
        record(Math.max(0, readAt - ts) * 1000)
        if (resume) state.arrived(ts, readAt)
      }
    },
    onEpoch(epoch) {
      state.seq.onEpoch(epoch)
    },
    onGap() {
      stats.gaps++
    },
    onHeartbeat() {
      stats.heartbeats++
    },
    onClose(hadError, error) {
      sockets.delete(socket)
      if (!counted && (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' && attempt < 50) {
        // that source pair is taken (TIME_WAIT, another process): the next one, not an error
        stats.opened--
        open(target, state, done, attempt + 1)
        return
      }
      stats.closed++
      if (ready) stats.ready--
      if (hadError) {
        stats.errors++
        firstError ??= error?.message ?? 'socket error'
      }
      settle()
      if (reopenAfterClose && !closing) {
        setTimeout(() => open(target, state, () => {}), Math.random() * reopenJitterMs)
      }
    },
  }
  const to = { ...target, path }
  const socket =
    client === 'socketio'
      ? openSocketIo(to, ports?.next(), events)
      : client === 'h2'
        ? h2!.openStream(to, ports?.next(), events)
        : openSse(to, ports?.next(), events, secure)
  stats.opened++
  sockets.add(socket)
}

/** Opens connections with at most `concurrency` handshakes in flight, so listen backlogs never overflow. */
function openMany(message: Extract<ToWorker, { type: 'open' }>): void {
  const { targets, count, localAddresses, concurrency } = message
  client = message.client
  secure = message.tls
  if (client === 'h2') {
    if (!secure) throw new Error('h2 clients need tls (the certificate to trust)')
    h2 = new H2Sessions(message.streamsPerSession ?? 100, secure)
  }
  if (message.native && client === 'sse' && !secure) {
    native = new NativeEngine(message.native, message, onNativeStats)
    return
  }
  if (localAddresses.length > 0) ports = new SourcePorts(localAddresses, message.worker, message.workers)
  let next = 0
  let inFlight = 0
  const pump = () => {
    while (inFlight < concurrency && next < count) {
      const index = next++
      inFlight++
      const target = targets[index % targets.length]!
      const state = new ClientState()
      clients.push({ target, state })
      open(target, state, () => {
        inFlight--
        setImmediate(pump)
      })
    }
  }
  pump()
}

/** A line of the native client: its interval's latencies into the histogram, then a report with its counts. */
function onNativeStats(line: NativeStats): void {
  const runs = line.latencyMs
  for (let i = 0; i < runs.length; i += 2) histogram.recordValueWithCount(runs[i]! * 1000, runs[i + 1]!)
  report()
}

function report(): void {
  flushRecords()
  const cpu = process.cpuUsage()
  // the native client's counts are the worker's; its CPU and memory are added, so measuring costs what it costs
  const child = native?.latest
  const counts: Pick<WorkerStats, (typeof NATIVE_COUNTS)[number]> = child
    ? (Object.fromEntries(NATIVE_COUNTS.map((key) => [key, child[key]])) as Pick<
        WorkerStats,
        (typeof NATIVE_COUNTS)[number]
      >)
    : stats
  const message: WorkerStats = {
    type: 'stats',
    ...counts,
    sessions: h2?.open ?? 0,
    ...tallyClients(clients.map((c) => c.state)),
    histogram: encodeHistogram(histogram),
    cpuUserMs: cpu.user / 1000 + (child?.cpuUserMs ?? 0),
    cpuSystemMs: cpu.system / 1000 + (child?.cpuSystemMs ?? 0),
    rssBytes: process.memoryUsage.rss() + (child?.rssBytes ?? 0),
    lastReadyAt: child ? child.lastReadyAt : lastReadyAt,
    at: Date.now(),
    firstError: firstError ?? native?.failure ?? (child?.firstError || undefined),
  }
  histogram.reset()
  process.send?.(message)
}

// a native client's lines drive the reports (counts and latencies as of its line); the timer only if it died
const timer = setInterval(() => {
  if (!native || native.failure) report()
}, 1000)

/** Per client: the events of its topic up to `heads[topic]` it never got past its last one. */
function tally(heads: Record<string, number>): WorkerTally {
  const answer: WorkerTally = { type: 'tally', tailMissing: 0, clients: 0, complete: 0 }
  for (const { target, state } of clients) {
    const head = target.topic === undefined ? undefined : heads[target.topic]
    if (head === undefined) continue
    const tail = state.seq.tail(head)
    answer.clients++
    answer.tailMissing += tail
    if (tail === 0 && state.seq.missing === 0 && state.seq.epochChanges === 0) answer.complete++
  }
  return answer
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'open') openMany(message)
  else if (message.type === 'cut' && native) {
    // the bench sends cuts to Node clients only (LoadFleet.open): a cut here is a harness bug, made visible
    firstError ??= 'cut sent to the native load client'
  } else if (message.type === 'cut') {
    reopenAfterClose = true
    reopenJitterMs = message.jitterMs
    resume = message.resume === true
    if (resume) for (const c of clients) c.state.cut()
    for (const socket of [...sockets]) socket.destroy()
  } else if (message.type === 'tally') process.send?.(tally(message.heads))
  else if (message.type === 'close') {
    closing = true
    clearInterval(timer)
    for (const socket of sockets) socket.destroy()
    const finish = () => {
      report()
      process.disconnect?.()
      setTimeout(() => process.exit(0), 200).unref()
    }
    // the native client's last line (its final counts) comes before the worker's last report
    if (native) void native.close().then(finish)
    else finish()
  }
})
process.on('disconnect', () => process.exit(0))
