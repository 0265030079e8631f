import { TABS_COMMAND, type TabsResult } from '../scenarios/tabs'
import type { ConnectionRun } from '../scenarios/tabs-connections'
import type { Handover } from '../scenarios/tabs-handover'
import type { Spread } from '../scenarios/tabs-sequence'

const ms = (value: number | null) => (value === null ? 'never' : `${value}`)
const spread = (s: Spread) => `${ms(s.median)} / ${ms(s.max)}`
const mark = (met: boolean | null) => (met === null ? 'smoke run, not judged' : met ? 'met' : '**missed**')

/**
 * "Tabs: one stream per browser": streams and TCP connections per browser profile with N tabs (sharing on
 * and off), and the handover when the leader tab is closed or crashes. Not run yet: the command that runs it.
 */
export function tabsSection(r: TabsResult | undefined): string[] {
  const head = ['## Tabs: one stream per browser', '']
  if (!r) return [...head, `Not run yet: \`${TABS_COMMAND}\` writes \`tooling/bench/results/tabs.json\`.`, '']
  const h = r.handover
  return [
    ...head,
    `${r.what}. Target: ${r.target}. ${r.browser}, history rule \`${r.historyRule}\` (${r.plan.ratePerSec} events/s); \`${r.command}\`, ${r.ranAt}, load average ${r.loadAverage?.join(' then ') ?? 'not recorded'} (1 min, ${r.machine.cpus} cores).`,
    '',
    ...(r.met === null
      ? ['- smoke run (`--quick`): not judged against the targets']
      : Object.entries(r.checks).map(([check, met]) => `- ${check}: ${mark(met)}`)),
    '',
    "Each run opens N tabs one after the other in a fresh profile. SSE connections are the server's",
    '`likewire_connections` once every tab had an event (and the most seen while they opened); TCP connections are',
    "the browser processes' established sockets to the server's port. First event: from a tab's client starting",
    `to its first event (max "never": some tab had none within ${r.plan.boundMs / 1000} s of the last tab opening).`,
    '',
    '| tabs | sharing | tabs with events | SSE connections (peak) | streams opened | TCP connections (peak) | every tab had an event, ms from the first opening | first event per tab, median / max ms |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...r.runs.map(runRow),
    '',
    `Handover: ${h.close.tabs} tabs share the stream; the leader (the tab holding it) goes, then a tab is opened`,
    `again, ${r.plan.rounds} times per way. Times are ms from the close: the new leader's stream request, the first`,
    'event a remaining tab got from it, and every remaining tab caught up (it got an event published after the',
    "last new stream started, so all it missed came first). Missing and duplicates: each remaining tab's offsets,",
    "across the handovers and up to the topic's last one once publishing paused. A round caught up",
    `"never (a/b)": a of the b remaining tabs had not caught up ${r.plan.boundMs / 1000} s after the close.`,
    '',
    '| leader | new stream, median / max | first event, median / max | caught up, median / max | caught up per round | streams per handover | missing | duplicates | gaps |',
    '| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |',
    handoverRow('closed (`page.close()`, its `pagehide` runs)', h.close),
    handoverRow('crashed (CDP `Page.crash`)', h.crash),
    '',
  ]
}

function runRow(run: ConnectionRun): string {
  return [
    '',
    run.tabs,
    run.share ? 'on' : 'off',
    `${run.connected} / ${run.tabs}`,
    `${run.sseConnections} (${run.sseConnectionsPeak})`,
    run.streamsOpened,
    `${run.tcpConnections} (${run.tcpConnectionsPeak})`,
    ms(run.allFirstEventMs),
    spread(run.firstEventMs),
    '',
  ]
    .join(' | ')
    .trim()
}

function handoverRow(what: string, h: Handover): string {
  return [
    '',
    what,
    spread(h.newStreamMs),
    spread(h.firstEventMs),
    spread(h.caughtUpMs),
    h.rounds
      .map((round) =>
        round.caughtUpMs === null ? `never (${round.notCaughtUp}/${round.remaining})` : `${round.caughtUpMs}`,
      )
      .join(', '),
    h.rounds.map((round) => round.streams).join(', '),
    h.missing,
    h.duplicates,
    h.gaps,
    '',
  ]
    .join(' | ')
    .trim()
}
