import type { ServerStats } from '../server/protocol'

/** What the servers spent from just before publishing to the end of the drain: the deliveries' cost. */
export interface PublishWindow {
  /** Server CPU (user + system), all frontends. */
  serverCpuMs: number
  /** write(2)/writev(2) calls of the servers (/proc/<pid>/io); null where the kernel does not count them. */
  writeSyscalls: number | null
  /** Stream writes in JS (the sinks' writes), with `countWrites`; else null. */
  streamWrites: number | null
  /** Publish batches (one `publishMany` per tick with events due): each is one flush per subscriber. */
  batches: number
  /** Heartbeat frames the clients got: each was a flush of its own on one stream. */
  heartbeats: number
}

/** The servers' stats before and after the window, with what the publishers and the clients counted. */
export function publishWindow(
  before: ServerStats[],
  after: ServerStats[],
  counted: { batches: number; heartbeats: number },
): PublishWindow {
  const cpu = (stats: ServerStats[]) => stats.reduce((sum, s) => sum + s.cpuUserMs + s.cpuSystemMs, 0)
  return {
    serverCpuMs: Math.round(cpu(after) - cpu(before)),
    writeSyscalls: growth(before, after, (s) => s.writeSyscalls),
    streamWrites: growth(before, after, (s) => s.streamWrites),
    ...counted,
  }
}

/** A counter's growth over the window, summed over the servers; null if any server does not have it. */
function growth(
  before: ServerStats[],
  after: ServerStats[],
  read: (stats: ServerStats) => number | null,
): number | null {
  let total = 0
  for (const [index, stats] of after.entries()) {
    const end = read(stats)
    const start = before[index] ? read(before[index]) : null
    if (end === null || start === null) return null
    total += end - start
  }
  return total
}
