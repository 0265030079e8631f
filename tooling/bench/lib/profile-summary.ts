import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) a summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
}

/** One function's self time. */
export interface SelfTime {
  name: string
  ms: number
  /** Share of the process's busy time (everything but `(idle)`), 0..1. */
  share: number
}

/** Where one profiled thread spent its time. */
export interface ProfileSummary {
  file: string
  totalMs: number
  idleMs: number
  /** Self time of the writes to sockets (libuv stream writes as V8 sees them), of the GC, and the rest. */
  writeMs: number
  gcMs: number
  top: SelfTime[]
}

/** Native frames V8 shows for a socket write: the syscall happens inside them. */
const WRITE_FRAMES = new Set([
  'writeBuffer',
  'writev',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
])

/** Self time per function of one profile, `(idle)` and `(garbage collector)` named as V8 names them. */
export function summarizeProfile(file: string, profile: CpuProfile, top = 15): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const self = new Map<string, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = frames.get(profile.samples[i]!)
    if (!frame) continue
    const where = frame.url ? ` ${basename(frame.url)}:${frame.lineNumber + 1}` : ''
    const name = `${frame.functionName || '(anonymous)'}${where}`
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  }
  let totalMs = 0
  let writeMs = 0
  for (const [name, ms] of self) {
    totalMs += ms
    if (WRITE_FRAMES.has(name)) writeMs += ms
  }
  const idleMs = self.get('(idle)') ?? 0
  const busy = Math.max(totalMs - idleMs, Number.EPSILON)
  const ranked = [...self]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: ms / busy }))
  return { file, totalMs, idleMs, writeMs, gcMs: self.get('(garbage collector)') ?? 0, top: ranked }
}

/** Every `.cpuprofile` under `dir`, largest first (a process's main thread is its largest). */
export function profilesIn(dir: string): string[] {
  const found: Array<{ path: string; size: number }> = []
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry)
      const stat = statSync(path)
      if (stat.isDirectory()) walk(path)
      else if (entry.endsWith('.cpuprofile')) found.push({ path, size: stat.size })
    }
  }
  walk(dir)
  return found.sort((a, b) => b.size - a.size).map((f) => f.path)
}

/** A Markdown block per profile: busy time, the write and GC shares, the top functions by self time. */
export function formatSummaries(dir: string, top = 15, minBusyMs = 200): string {
  const blocks: string[] = []
  for (const path of profilesIn(dir)) {
    const summary = summarizeProfile(relative(dir, path), JSON.parse(readFileSync(path, 'utf8')), top)
    const busy = summary.totalMs - summary.idleMs
    // worker threads and helper processes that hardly ran say nothing
    if (busy < minBusyMs) continue
    const pct = (ms: number) => `${((ms / Math.max(busy, Number.EPSILON)) * 100).toFixed(1)}%`
    blocks.push(
      [
        `### ${summary.file}`,
        '',
        `busy ${Math.round(busy)} ms of ${Math.round(summary.totalMs)} ms sampled; socket writes ${pct(summary.writeMs)}, GC ${pct(summary.gcMs)} of busy`,
        '',
        '| self | function |',
        '| ---: | --- |',
        ...summary.top.map((t) => `| ${(t.share * 100).toFixed(1)}% | \`${t.name}\` |`),
      ].join('\n'),
    )
  }
  return blocks.join('\n\n')
}
