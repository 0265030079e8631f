import { describe, expect, it } from 'vitest'
import type { TabsResult } from '../scenarios/tabs'
import type { Handover } from '../scenarios/tabs-handover'
import { tabsSection } from './tabs'

const round = (caughtUpMs: number | null, notCaughtUp: number) => ({
  round: 1,
  leader: 0,
  streamHolders: 1,
  tabsGone: 1,
  remaining: 9,
  streams: 1,
  newStreamMs: 200,
  firstEventMs: 210,
  caughtUpMs,
  notCaughtUp,
  missing: 0,
  duplicates: 0,
  gaps: 0,
})
const handover = (how: Handover['how'], caughtUpMs: number | null): Handover => ({
  how,
  tabs: 10,
  rounds: [round(caughtUpMs, caughtUpMs === null ? 8 : 0)],
  newStreamMs: { median: 200, max: 200 },
  firstEventMs: { median: 210, max: 210 },
  caughtUpMs: { median: caughtUpMs, max: caughtUpMs },
  extraStreams: 0,
  missing: caughtUpMs === null ? 160 : 0,
  duplicates: 0,
  gaps: 0,
})
const run = { connected: 6, boundMs: 10_000, streamsOpened: 6, streamHolders: 6, openMs: 4000 }
const result = {
  what: 'N tabs',
  target: 'one per browser',
  met: false,
  checks: { 'one SSE connection per browser, any N (sharing on)': true, 'tab closed: caught up': false },
  command: 'npm run bench -- tabs',
  ranAt: '2026-12-07T00:00:00.000Z',
  machine: { cpus: 2 },
  browser: 'Chromium 156',
  loadAverage: [1, 2],
  historyRule: 'tabs:history=10000/300',
  plan: { counts: [10], handoverTabs: 10, rounds: 1, ratePerSec: 20, boundMs: 10_000 },
  runs: [
    {
      ...run,
      tabs: 10,
      share: false,
      sseConnections: 6,
      sseConnectionsPeak: 6,
      tcpConnections: 6,
      tcpConnectionsPeak: 6,
      allFirstEventMs: null,
      firstEventMs: { median: 150, max: null },
    },
  ],
  handover: { close: handover('close', null), crash: handover('crash', 240) },
} as unknown as TabsResult

describe('report: Tabs', () => {
  it('names the command that writes the result when it was not run yet', () => {
    expect(tabsSection(undefined).join('\n')).toContain(
      'Not run yet: `npm run bench -- tabs` writes `tooling/bench/results/tabs.json`.',
    )
  })

  it('shows each check, tabs that never had an event, and rounds that never caught up', () => {
    const page = tabsSection(result).join('\n')
    expect(page).toContain('- one SSE connection per browser, any N (sharing on): met')
    expect(page).toContain('- tab closed: caught up: **missed**')
    expect(page).toContain('| 10 | off | 6 / 10 | 6 (6) | 6 | 6 (6) | never | 150 / never |')
    expect(page).toContain(
      '| closed (`page.close()`, its `pagehide` runs) | 200 / 200 | 210 / 210 | never / never | never (8/9) | 1 | 160 | 0 | 0 |',
    )
    expect(page).toContain(
      '| crashed (CDP `Page.crash`) | 200 / 200 | 210 / 210 | 240 / 240 | 240 | 1 | 0 | 0 | 0 |',
    )
  })
})
