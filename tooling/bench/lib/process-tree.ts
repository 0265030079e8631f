import { readdirSync, readFileSync } from 'node:fs'
import type { ServerStats } from '../server/protocol'

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream build). */
const TICKS_PER_SEC = 100
const PAGE_BYTES = 4096

/** What a process and all its descendants (nginx's master and workers) have spent, from /proc. */
export interface TreeUsage {
  pids: number[]
  cpuUserMs: number
  cpuSystemMs: number
  rssBytes: number
  /** write(2)/writev(2) calls (`syscw` of /proc/<pid>/io); null where unreadable. */
  writeSyscalls: number | null
}

/** Every process now: its /proc/<pid>/stat fields after `comm`, and each parent's children. */
export function processTable(): { stats: Map<number, string[]>; children: Map<number, number[]> } {
  const children = new Map<number, number[]>()
  const stats = new Map<number, string[]>()
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      stats.set(pid, fields)
      const ppid = Number(fields[1])
      children.set(ppid, [...(children.get(ppid) ?? []), pid])
    } catch {}
  }
  return { stats, children }
}

/** `root` and its descendants, read now. Processes that exited in between are left out. */
export function treeUsage(root: number): TreeUsage {
  const { stats, children } = processTable()
  const pids: number[] = []
  const walk = (pid: number) => {
    if (!stats.has(pid)) return
    pids.push(pid)
    for (const child of children.get(pid) ?? []) walk(child)
  }
  walk(root)
  const usage: TreeUsage = { pids, cpuUserMs: 0, cpuSystemMs: 0, rssBytes: 0, writeSyscalls: 0 }
  for (const pid of pids) {
    // fields after comm: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    const fields = stats.get(pid)!
    usage.cpuUserMs += (Number(fields[11]) * 1000) / TICKS_PER_SEC
    usage.cpuSystemMs += (Number(fields[12]) * 1000) / TICKS_PER_SEC
    usage.rssBytes += Number(fields[21]) * PAGE_BYTES
    const syscw = readSyscw(pid)
    usage.writeSyscalls = syscw === null || usage.writeSyscalls === null ? null : usage.writeSyscalls + syscw
  }
  return usage
}

function readSyscw(pid: number): number | null {
  try {
    const match = /syscw:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

/** A server that is not a Node process of the bench (nginx, a CLI node): its stats from /proc, and its connections. */
export function treeStats(root: number, connections: number): ServerStats {
  const usage = treeUsage(root)
  return {
    type: 'stats',
    connections,
    rssBytes: usage.rssBytes,
    // not a V8 heap the bench can read
    heapUsedBytes: 0,
    heapTotalBytes: 0,
    cpuUserMs: usage.cpuUserMs,
    cpuSystemMs: usage.cpuSystemMs,
    // no per-topic counts: owed deliveries come from the clients' plan (`countsTopics: false`)
    topics: {},
    sockets: connections,
    writeSyscalls: usage.writeSyscalls,
    streamWrites: null,
  }
}
