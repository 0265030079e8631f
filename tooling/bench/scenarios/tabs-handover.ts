import type { Tab } from '../browser/tab'
import { TabGroup } from '../browser/tab-group'
import { progress, sleep } from '../lib/progress'
import type { HttpPublisher } from '../server/http-publisher'
import { SETTLE_MS, type TabsEnv } from './tabs-connections'
import { countAll, countWithin, markSequence, type Spread, spread } from './tabs-sequence'

/** How the leader tab goes: the user closes it (its `pagehide` runs), or its renderer crashes. */
export type HandoverKind = 'close' | 'crash'

/** One leader gone, seen from the tabs that remain. Times are ms from the close. */
export interface HandoverRound {
  round: number
  /** The index of the tab that led (held the stream) and went. */
  leader: number
  /** Tabs holding a stream just before (1 unless something is off). */
  streamHolders: number
  /** Tabs gone with it (a crash takes every tab of the renderer process; 1 when each tab has its own). */
  tabsGone: number
  remaining: number
  /** Streams opened by the remaining tabs before the round settled: 1 is one handover. */
  streams: number
  /** The first new stream's request. */
  newStreamMs: number | null
  /** The first event a remaining tab got from the new stream. */
  firstEventMs: number | null
  /** Every remaining tab got an event published after the last new stream started (so all it missed first). */
  caughtUpMs: number | null
  /** Remaining tabs that never got such an event before the round ended (after `boundMs`: stalled). */
  notCaughtUp: number
  /** Across the handover, summed over the remaining tabs. */
  missing: number
  duplicates: number
  gaps: number
}

export interface Handover {
  how: HandoverKind
  tabs: number
  rounds: HandoverRound[]
  newStreamMs: Spread
  firstEventMs: Spread
  caughtUpMs: Spread
  /** Streams opened past one per handover. */
  extraStreams: number
  /** Over the whole run: every remaining tab's sequence, up to the topic's head after publishing paused. */
  missing: number
  duplicates: number
  gaps: number
}

const isOpen = (tab: Tab) => !tab.closed && !tab.crashed

/**
 * `tabs` tabs share one stream while a history topic is published; the leader goes (closed, or its
 * renderer crashed) and a tab is opened again, `rounds` times. Each round ends once every remaining tab
 * caught up and no new stream started for a second (or `boundMs` passed: "never").
 */
export async function runHandover(
  env: TabsEnv,
  how: HandoverKind,
  plan: { tabs: number; rounds: number; boundMs: number },
  publisher: HttpPublisher,
): Promise<Handover> {
  const group = new TabGroup(await env.browser.newContext(), env.pageUrl, env.config(true))
  try {
    for (let i = 0; i < plan.tabs; i++) await group.open()
    await group.readUntil(() => group.tabs.every((tab) => tab.firstEventAt > 0), plan.boundMs)
    const rounds: HandoverRound[] = []
    for (let round = 1; round <= plan.rounds; round++) {
      await sleep(SETTLE_MS)
      await group.readUntil(() => group.leaders.length === 1, plan.boundMs)
      const streamHolders = group.leaders.length
      // the leader; if none is seen, the first opened tab still open (it won the lock first)
      const leader = group.leaders[0] ?? group.alive[0]!
      const gapsBefore = new Map(group.alive.map((tab) => [tab, tab.record?.gaps ?? 0]))
      const closeAt = Date.now()
      if (how === 'close') await leader.close()
      else await leader.crash(group.context)
      const remaining = group.alive
      const newStreams = () =>
        remaining
          .filter(isOpen)
          .flatMap((tab) => tab.streamStarts())
          .filter((start) => start > closeAt)
          .sort((a, b) => a - b)
      let last = 0
      let caughtSince = 0
      await group.readUntil(() => {
        const starts = newStreams()
        const lastStart = starts.at(-1)
        if (lastStart === undefined) return false
        const caught = remaining.filter(isOpen).every((tab) => tab.history.some((e) => e.ts >= lastStart))
        if (!caught) return false
        // settled: caught up, and no further stream for a second (a handover that starts twice shows it)
        if (lastStart !== last) {
          last = lastStart
          caughtSince = Date.now()
        }
        return Date.now() - caughtSince >= SETTLE_MS
      }, plan.boundMs)
      const roundEnd = Date.now()
      rounds.push(
        figures(round, leader, remaining, { closeAt, roundEnd, streamHolders, gapsBefore }, newStreams()),
      )
      progress(env.label, { how, ...flat(rounds.at(-1)!) })
      for (const tab of group.tabs) if (tab.crashed && !tab.closed) await tab.discard()
      // a tab is opened again: the next round starts from `tabs` tabs
      while (group.alive.length < plan.tabs) {
        const back = await group.open()
        await group.readUntil(() => back.firstEventAt > 0, plan.boundMs)
      }
    }
    // nothing lost over the whole run: publishing pauses, and each tab must hold every offset to the head
    await publisher.stop()
    await sleep(SETTLE_MS)
    await group.readAll()
    const head = publisher.historyAccepted
    let missing = 0
    let duplicates = 0
    for (const tab of group.alive) {
      const counts = countAll(tab.history, head)
      missing += counts.missing
      duplicates += counts.duplicates
    }
    publisher.start()
    return {
      how,
      tabs: plan.tabs,
      rounds,
      newStreamMs: spread(rounds.map((r) => r.newStreamMs)),
      firstEventMs: spread(rounds.map((r) => r.firstEventMs)),
      caughtUpMs: spread(rounds.map((r) => r.caughtUpMs)),
      extraStreams: rounds.reduce((sum, r) => sum + Math.max(0, r.streams - 1), 0),
      missing,
      duplicates,
      gaps: group.tabs.reduce((sum, tab) => sum + (tab.record?.gaps ?? 0), 0),
    }
  } finally {
    await group.close()
  }
}

function figures(
  round: number,
  leader: Tab,
  remaining: Tab[],
  at: { closeAt: number; roundEnd: number; streamHolders: number; gapsBefore: Map<Tab, number> },
  starts: number[],
): HandoverRound {
  const { closeAt } = at
  const open = remaining.filter(isOpen)
  const first = starts[0]
  const last = starts.at(-1)
  const since = (time: number | undefined) => (time === undefined ? null : Math.round(time - closeAt))
  const firstEvents = open.flatMap((tab) => {
    const event = first === undefined ? undefined : tab.history.find((e) => e.at >= first)
    return event ? [event.at] : []
  })
  const caughtUp = open.map((tab) =>
    last === undefined ? undefined : tab.history.find((e) => e.ts >= last)?.at,
  )
  let missing = 0
  let duplicates = 0
  let gaps = 0
  for (const tab of open) {
    const counts = countWithin(tab.history, markSequence(tab.history), closeAt, at.roundEnd)
    missing += counts.missing
    duplicates += counts.duplicates
    gaps += (tab.record?.gaps ?? 0) - (at.gapsBefore.get(tab) ?? 0)
  }
  return {
    round,
    leader: leader.index,
    streamHolders: at.streamHolders,
    tabsGone: 1 + remaining.length - open.length,
    remaining: open.length,
    streams: starts.length,
    newStreamMs: since(first),
    firstEventMs: firstEvents.length > 0 ? since(Math.min(...firstEvents)) : null,
    caughtUpMs: caughtUp.every((time) => time !== undefined)
      ? since(Math.max(...(caughtUp as number[])))
      : null,
    notCaughtUp: caughtUp.filter((time) => time === undefined).length,
    missing,
    duplicates,
    gaps,
  }
}

const flat = (r: HandoverRound) => ({
  round: r.round,
  leader: r.leader,
  streams: r.streams,
  newStreamMs: r.newStreamMs ?? 'never',
  firstEventMs: r.firstEventMs ?? 'never',
  caughtUpMs: r.caughtUpMs ?? 'never',
  notCaughtUp: r.notCaughtUp,
  missing: r.missing,
  duplicates: r.duplicates,
})
