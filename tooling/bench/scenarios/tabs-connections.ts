import type { Browser } from 'playwright-core'
import { CHROMIUM_COMMAND } from '../browser/chromium'
import type { TabConfig } from '../browser/tab'
import { TabGroup } from '../browser/tab-group'
import { scrapeCounters } from '../lib/metrics'
import { tcpConnectionsTo } from '../lib/netstat'
import { progress, sleep } from '../lib/progress'
import { countAll, type Spread, spread } from './tabs-sequence'

/** After the last tab has its first event: long enough for a few leader beats (0.5 s) and late streams. */
export const SETTLE_MS = 1000

/** What every part of the scenario shares: the browser, the page, the server under test. */
export interface TabsEnv {
  label: string
  browser: Browser
  pageUrl: string
  /** The Likewire server's port (its `/metrics`, and the browser's sockets to it). */
  port: number
  /** Tab `index`'s client: its topics, and whether it shares. */
  config: (share: boolean) => (index: number) => TabConfig
}

/** One browser profile with N tabs of the app open, sharing on or off. */
export interface ConnectionRun {
  tabs: number
  share: boolean
  /** Tabs that got their first event within `boundMs` of the last tab opening. */
  connected: number
  boundMs: number
  /** The server's `likewire_connections` once settled, and the most seen while the tabs opened. */
  sseConnections: number
  sseConnectionsPeak: number
  /** Streams the server accepted during the run (`likewire_connections_opened_total`). */
  streamsOpened: number
  /** Established TCP connections from the browser's processes to the server's port, once settled / at most. */
  tcpConnections: number
  tcpConnectionsPeak: number
  /** Tabs holding a stream once settled: with sharing, the leader. */
  streamHolders: number
  /** Opening the N tabs one after the other (page loaded, client started). */
  openMs: number
  /** From the first tab opening until every tab had an event; null when some tab never had one. */
  allFirstEventMs: number | null
  /** Per tab: its client starting -> its first event. */
  firstEventMs: Spread
  /** Connected tabs x their topics that got no event (every topic is published every 250 ms). */
  topicsWithoutEvents: number
  /** On the history topic, per connected tab, summed: offsets skipped, offsets twice. */
  missing: number
  duplicates: number
}

export async function serverStreams(port: number): Promise<{ open: number; opened: number }> {
  const counts = await scrapeCounters([port], ['likewire_connections', 'likewire_connections_opened_total'])
  return { open: counts.likewire_connections ?? 0, opened: counts.likewire_connections_opened_total ?? 0 }
}

/** Opens `tabs` tabs in a fresh profile, waits (bounded) for each one's first event, counts connections. */
export async function runConnections(
  env: TabsEnv,
  tabs: number,
  share: boolean,
  boundMs: number,
): Promise<ConnectionRun> {
  const before = await serverStreams(env.port)
  const group = new TabGroup(await env.browser.newContext(), env.pageUrl, env.config(share))
  let sseConnectionsPeak = 0
  let tcpConnectionsPeak = 0
  const sample = async () => {
    const streams = await serverStreams(env.port)
    const tcp = tcpConnectionsTo(env.port, CHROMIUM_COMMAND)
    sseConnectionsPeak = Math.max(sseConnectionsPeak, streams.open - before.open)
    tcpConnectionsPeak = Math.max(tcpConnectionsPeak, tcp)
    return { ...streams, tcp }
  }
  try {
    const startedAt = Date.now()
    for (let i = 0; i < tabs; i++) {
      await group.open()
      await sample()
    }
    const openMs = Date.now() - startedAt
    // share off on HTTP/1.1: tabs past the 6th wait for a socket that never frees; bounded, never hung
    const deadline = Date.now() + boundMs
    for (;;) {
      await group.readAll()
      await sample()
      if (group.tabs.every((tab) => tab.firstEventAt > 0) || Date.now() >= deadline) break
      await sleep(100)
    }
    await sleep(SETTLE_MS)
    await group.readAll()
    const settled = await sample()
    const connected = group.tabs.filter((tab) => tab.firstEventAt > 0)
    const run: ConnectionRun = {
      tabs,
      share,
      connected: connected.length,
      boundMs,
      sseConnections: settled.open - before.open,
      sseConnectionsPeak,
      streamsOpened: settled.opened - before.opened,
      tcpConnections: settled.tcp,
      tcpConnectionsPeak,
      streamHolders: group.leaders.length,
      openMs,
      allFirstEventMs:
        connected.length === tabs ? Math.max(...connected.map((tab) => tab.firstEventAt)) - startedAt : null,
      firstEventMs: spread(
        group.tabs.map((tab) =>
          tab.firstEventAt > 0 && tab.record ? tab.firstEventAt - tab.record.startedAt : null,
        ),
      ),
      topicsWithoutEvents: connected.reduce(
        (sum, tab) =>
          sum +
          env
            .config(share)(tab.index)
            .topics.filter((topic) => !tab.record?.counts[topic]).length,
        0,
      ),
      missing: 0,
      duplicates: 0,
    }
    for (const tab of connected) {
      const counts = countAll(tab.history)
      run.missing += counts.missing
      run.duplicates += counts.duplicates
    }
    progress(env.label, {
      tabs,
      share: String(share),
      connected: run.connected,
      sse: run.sseConnections,
      ssePeak: run.sseConnectionsPeak,
      tcp: run.tcpConnections,
      allFirstEventMs: run.allFirstEventMs ?? 'never',
    })
    return run
  } finally {
    await group.close()
    // the next run counts from zero: the server has seen every stream of this profile end
    const end = Date.now() + 10_000
    while ((await serverStreams(env.port)).open > before.open && Date.now() < end) await sleep(100)
  }
}

/** One tab opened and closed first: the browser's first renderer and the server's first stream are not measured. */
export async function warmUp(env: TabsEnv, boundMs: number): Promise<void> {
  const group = new TabGroup(await env.browser.newContext(), env.pageUrl, env.config(false))
  try {
    const tab = await group.open()
    await group.readUntil(() => tab.firstEventAt > 0, boundMs)
  } finally {
    await group.close()
    const end = Date.now() + 10_000
    while ((await serverStreams(env.port)).open > 0 && Date.now() < end) await sleep(100)
  }
}
