import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatSummaries, summarizeProfile } from './profile-summary'

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber })

/** idle 50 ms, a socket write 30 ms, GC 5 ms, `deliver` 15 ms: busy 50 ms. */
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(idle)') },
    { id: 2, callFrame: frame('writeBuffer') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('deliver', 'file:///x/dist/chunk-A.js', 9) },
  ],
  samples: [1, 2, 2, 3, 4, 4, 1],
  timeDeltas: [25_000, 15_000, 15_000, 5_000, 10_000, 5_000, 25_000],
}

describe('CPU profile summary', () => {
  it('ranks self time over busy time, naming where each function is', () => {
    const summary = summarizeProfile('p.cpuprofile', profile)
    expect(summary.totalMs).toBe(100)
    expect(summary.idleMs).toBe(50)
    expect(summary.writeMs).toBe(30)
    expect(summary.gcMs).toBe(5)
    expect(summary.top.map((t) => [t.name, t.share])).toEqual([
      ['writeBuffer', 0.6],
      ['deliver chunk-A.js:10', 0.3],
      ['(garbage collector)', 0.1],
    ])
  })

  it('writes a Markdown block per busy profile and leaves out the ones that hardly ran', () => {
    const dir = mkdtempSync(join(tmpdir(), 'likewire-prof-'))
    writeFileSync(join(dir, 'busy.cpuprofile'), JSON.stringify(profile))
    writeFileSync(
      join(dir, 'quiet.cpuprofile'),
      JSON.stringify({ nodes: [{ id: 1, callFrame: frame('(idle)') }], samples: [1], timeDeltas: [900_000] }),
    )
    const text = formatSummaries(dir, 15, 10)
    expect(text).toContain('### busy.cpuprofile')
    expect(text).toContain('socket writes 60.0%, GC 10.0% of busy')
    expect(text).toContain('| 30.0% | `deliver chunk-A.js:10` |')
    expect(text).not.toContain('quiet')
  })
})
