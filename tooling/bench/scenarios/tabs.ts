import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { launchChromium } from '../browser/chromium'
import { startPageServer } from '../browser/page-server'
import { progress } from '../lib/progress'
import { type ResultHead, resultHead } from '../lib/result-head'
import { HttpPublisher } from '../server/http-publisher'
import { startServers } from '../server/servers'
import { parseHistory } from './history'
import { fromRoot } from './run-scenario'
import { type ConnectionRun, runConnections, type TabsEnv, warmUp } from './tabs-connections'
import { type Handover, type HandoverKind, runHandover } from './tabs-handover'

export const TABS_COMMAND = 'npm run bench -- tabs'
/** Every tab subscribes to it; nothing may be lost or doubled on it across a handover. */
export const HISTORY_TOPIC = 'tabs:history'
/** Size 10,000: nothing is trimmed during a run (~20 events/s for a few minutes). */
export const HISTORY_RULE = `${HISTORY_TOPIC}=10000/300`
/** "Within about a second" (the issue), judged on the slowest round. */
export const HANDOVER_TARGET_MS = 1000

/** Tab i's topics: the history topic and one all tabs share, one shared with every third tab, its own. */
export const tabTopics = (index: number) => [
  HISTORY_TOPIC,
  'tabs:all',
  `tabs:group-${index % 3}`,
  `tabs:own-${index}`,
]

export interface TabsPlan {
  /** Tabs per run, each with sharing on then off. */
  counts: number[]
  /** Tabs open during the handover rounds. */
  handoverTabs: number
  /** Leaders closed (then crashed) one after the other, a tab opened again after each. */
  rounds: number
  /** History events per second on `tabs:history`; the other topics get one event each every 250 ms. */
  ratePerSec: number
  /** How long a tab may take to its first event, and a handover to settle, before it counts as never. */
  boundMs: number
}

export const tabsPlan = (quick: boolean): TabsPlan =>
  quick
    ? { counts: [1, 3], handoverTabs: 3, rounds: 2, ratePerSec: 20, boundMs: 10_000 }
    : { counts: [1, 2, 5, 10, 20], handoverTabs: 10, rounds: 5, ratePerSec: 20, boundMs: 10_000 }

export const tabsScenario = {
  name: 'tabs',
  what: 'N tabs of one browser profile (headless Chromium, HTTP/1.1) subscribed to 4 topics each, sharing on and off; then the leader tab closed or crashed while a history topic is published',
  target: `one SSE connection per browser for any N; a handover caught up within about a second (${HANDOVER_TARGET_MS} ms), 0 missing, 0 duplicates`,
}

/** What `results/tabs.json` holds. */
export interface TabsResult extends ResultHead<'tabs'> {
  /** The browser's version string. */
  browser: string
  plan: TabsPlan
  historyRule: string
  runs: ConnectionRun[]
  handover: Record<HandoverKind, Handover>
  publishFailed: number
  serverErrors: string[]
}

export function judgeTabs(r: Pick<TabsResult, 'runs' | 'handover'>): Record<string, boolean> {
  const within = (h: Handover) => h.caughtUpMs.max !== null && h.caughtUpMs.max <= HANDOVER_TARGET_MS
  const exact = (h: Handover) =>
    h.missing === 0 &&
    h.duplicates === 0 &&
    h.gaps === 0 &&
    h.rounds.every((round) => round.missing === 0 && round.duplicates === 0)
  return {
    'one SSE connection per browser, any N (sharing on)': r.runs
      .filter((run) => run.share)
      .every(
        (run) =>
          run.connected === run.tabs &&
          run.sseConnections === 1 &&
          run.sseConnectionsPeak === 1 &&
          run.streamsOpened === 1,
      ),
    [`tab closed: caught up within ${HANDOVER_TARGET_MS} ms`]: within(r.handover.close),
    [`renderer crashed: caught up within ${HANDOVER_TARGET_MS} ms`]: within(r.handover.crash),
    '0 missing, 0 duplicates across handovers': exact(r.handover.close) && exact(r.handover.crash),
  }
}

/**
 * The scenario: the built server in a child process (as every scenario runs it), the page server and the
 * publisher here, one headless Chromium with a fresh profile per run. Writes `<outDir>/tabs.json`.
 */
export async function runTabs(
  options: { quick: boolean; outDir?: URL },
  command: string,
): Promise<TabsResult> {
  const label = 'tabs'
  const plan = tabsPlan(options.quick)
  const loadAtStart = loadavg()[0]!
  const [server] = await startServers(1, {
    kind: 'likewire',
    flushWindowMs: 0,
    maxConnections: 1000,
    history: parseHistory(HISTORY_RULE),
  })
  const url = `http://127.0.0.1:${server!.port}`
  const pages = await startPageServer().catch(async (error) => {
    await server!.close()
    throw error
  })
  const most = Math.max(...plan.counts, plan.handoverTabs + plan.rounds)
  const publisher = new HttpPublisher({
    url,
    historyTopic: HISTORY_TOPIC,
    ratePerSec: plan.ratePerSec,
    // every topic any tab can have (a tab's own topic by its index within its profile)
    others: () => [...new Set(Array.from({ length: most }, (_, i) => tabTopics(i).slice(1)).flat())],
    othersEveryMs: 250,
  })
  const browser = await launchChromium().catch(async (error) => {
    await Promise.all([pages.close(), server!.close()])
    throw error
  })
  try {
    const env: TabsEnv = {
      label,
      browser,
      pageUrl: pages.url,
      port: server!.port,
      config: (share) => (index) => ({ url, share, topics: tabTopics(index) }),
    }
    publisher.start()
    await warmUp(env, plan.boundMs)
    const runs: ConnectionRun[] = []
    for (const tabs of plan.counts)
      for (const share of [true, false]) runs.push(await runConnections(env, tabs, share, plan.boundMs))
    const handover = {
      close: await runHandover(env, 'close', { ...plan, tabs: plan.handoverTabs }, publisher),
      crash: await runHandover(env, 'crash', { ...plan, tabs: plan.handoverTabs }, publisher),
    }
    await publisher.stop()
    const checks = options.quick ? {} : judgeTabs({ runs, handover })
    const result: TabsResult = {
      ...resultHead('tabs', tabsScenario, { checks, quick: options.quick, command, loadAtStart }),
      browser: `Chromium ${browser.version()}`,
      plan,
      historyRule: HISTORY_RULE,
      runs,
      handover,
      publishFailed: publisher.failed,
      serverErrors: server!.errorLines,
    }
    const summary = {
      sseWithSharing: runs
        .filter((run) => run.share)
        .map((run) => run.sseConnections)
        .join('/'),
      closeCaughtUpMaxMs: handover.close.caughtUpMs.max ?? 'never',
      crashCaughtUpMaxMs: handover.crash.caughtUpMs.max ?? 'never',
      missing: handover.close.missing + handover.crash.missing,
      duplicates: handover.close.duplicates + handover.crash.duplicates,
    }
    if (result.met === null) progress(label, summary, 'smoke run (--quick), not judged against targets')
    else progress(label, { met: String(result.met), ...summary })
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true })
      const file = new URL('tabs.json', options.outDir)
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
      process.stderr.write(`[${label}] wrote ${fromRoot(file)}\n`)
    }
    return result
  } finally {
    await publisher.stop()
    await browser.close().catch(() => {})
    await Promise.all([pages.close(), server!.close()])
  }
}
