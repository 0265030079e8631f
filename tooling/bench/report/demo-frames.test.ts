import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type DemoFramesResult, demoFramesPlan, judgeDemoFrames } from '../demo/demo-frames'
import { frameStats } from '../demo/frame-stats'
import { demoFramesSection } from './demo-frames'

const dir = () => pathToFileURL(`${mkdtempSync(join(tmpdir(), 'demo-frames-'))}/`)

describe('demoFramesSection', () => {
  it('says how to run it when there is no result', () => {
    expect(demoFramesSection(dir())).toContain('Not run yet: `npm run bench -- demo-frames`')
  })

  it('shows a row per rate and judges each', () => {
    const runs = [0, 2000].map((likesPerSec) => ({
      likesPerSec,
      likes: likesPerSec * 15,
      frames: frameStats(
        likesPerSec === 0 ? Array(900).fill(1000 / 60) : [...Array(880).fill(1000 / 60), 100],
      ),
      longTasks: { count: likesPerSec === 0 ? 0 : 1, totalMs: likesPerSec === 0 ? 0 : 100, maxMs: 100 },
      heartsPerSec: likesPerSec === 0 ? 0 : 12,
      mainThread: { taskMs: 200, scriptMs: 40, styleMs: 30, layoutMs: 20 },
      counterExact: true,
    }))
    const checks = judgeDemoFrames(runs)
    const result: Partial<DemoFramesResult> = {
      what: 'the demo page',
      target: '60 fps',
      met: Object.values(checks).every(Boolean),
      checks,
      command: 'npm run bench -- demo-frames',
      ranAt: '2026-01-01T00:00:00.000Z',
      machine: { cpus: 2 } as DemoFramesResult['machine'],
      browser: 'Chromium',
      loadAverage: [0.5, 0.7],
      plan: demoFramesPlan(false),
      runs,
    }
    const out = dir()
    writeFileSync(new URL('demo-frames.json', out), JSON.stringify(result))
    const section = demoFramesSection(out)
    expect(section).toContain('## The demo page: frame times')
    expect(section).toMatch(/\| 2,000 \| 16\.\d+ \/ 16\.\d+ \/ 16\.\d+ \/ 100 \|/)
    expect(section).toContain('- 2000 likes/s: p95 frame time <= 17.5 ms: met')
    expect(section).toContain('5 (0.6 %)')
  })
})
