import { scrapeCounters } from '../lib/metrics'
import { progress, sleep, waitUntil } from '../lib/progress'
import type { Scenario } from './catalog'
import type { FanoutRun } from './fanout'
import { common } from './options'

/** Clients come back after a random delay up to 2 s, as in reconnect-storm (EventSource's `retry:`). */
const JITTER_MS = 2000
/** What a user would expect: about the reconnect jitter plus the replay, as reconnect-storm's 10 s. */
const RECOVER_WITHIN_S = 10

/**
 * 10K raw SSE clients of one history topic while events flow; every socket is destroyed at once, and each
 * client reconnects (jittered) with `resume=<topic>~<epoch>~<offset>`, the last position it saw. Counted per
 * client: offsets must come one after the other (duplicates, missing); timed: from the cut until every
 * client got an event published after its reconnect began (it has caught up: events come in order).
 */
export const recoveryStorm: Scenario = {
  name: 'recovery-storm',
  mode: 'cluster',
  // size 10,000: more than any client falls behind (100/s for the ~77 s of the slowest recovery), so nothing may be missing
  history: 'live:*=10000/300',
  what: '10K clients of one history topic, 100 events/s; all cut at once, each resumes from its last position',
  target: `all back, 0 missing, 0 duplicates per client; every client caught up within ${RECOVER_WITHIN_S} s of the cut`,
  baselines: [],
  plan: (options) => ({
    // 120 s: a recovery slower than the target is still timed to its end (at 100/s here it took ~77 s)
    ...common(options, { connections: 10_000, durationSec: 120, minWorkers: 2, quickSec: 6 }),
    frontends: options.quick ? 1 : 2,
    topics: 1,
    ratePerSec: options.ratePerSec ?? 100,
    duringPublish: cutAndRecover,
  }),
  judge: (r) => ({
    'all back': (r.extra.reconnected as number) >= r.connections,
    '0 missing': r.history !== null && r.history.missing === 0 && r.history.gaps === 0 && r.lost === 0,
    '0 duplicates': r.history !== null && r.history.duplicates === 0,
    [`caught up within ${RECOVER_WITHIN_S} s`]: (r.extra.recoverySeconds as number) <= RECOVER_WITHIN_S,
  }),
}

/** Cuts every client a third of the way in (at most 10 s), then times the way back while events flow. */
async function cutAndRecover({ fleet, plan, servers, extra }: FanoutRun): Promise<void> {
  const label = plan.label
  const end = Date.now() + plan.durationMs
  await sleep(Math.min(10_000, plan.durationMs / 3))
  // every client needs a position to resume from
  await waitUntil(() => fleet.positioned >= plan.connections, 10_000, 100)
  extra.positionedAtCut = fleet.positioned
  const cutAt = Date.now()
  fleet.cut(JITTER_MS, true)
  // two reports of every worker: the second one was taken after it cut (IPC keeps order per worker)
  await fleet.settle()
  await fleet.settle()
  const left = () => Math.max(1000, end - Date.now())
  const back = await waitUntil(
    () => fleet.ready >= plan.connections && fleet.lastReadyAt > cutAt,
    left(),
    100,
  )
  extra.reconnected = fleet.ready
  extra.reconnectSeconds = back ? (fleet.lastReadyAt - cutAt) / 1000 : Number.POSITIVE_INFINITY
  // caught up only counts while events are published: an event after its reconnect is what tells
  const caughtUp = await waitUntil(
    () => {
      progress(label, { behind: fleet.behind, ready: fleet.ready, duplicates: fleet.duplicates })
      return fleet.behind === 0 && fleet.lastCaughtUpAt > cutAt
    },
    left(),
    1000,
  )
  await fleet.settle()
  extra.caughtUp = plan.connections - fleet.behind
  extra.recoverySeconds = caughtUp ? (fleet.lastCaughtUpAt - cutAt) / 1000 : Number.POSITIVE_INFINITY
  // the replay alone: from the start of a client's reconnect to caught up, the slowest client
  extra.slowestCatchUpSeconds = fleet.maxCatchUpMs / 1000
  // the servers' own count of the storm: resumes answered with the missed range or a gap, events replayed
  const counters = await scrapeCounters(
    servers.map((server) => server.port),
    [
      'likewire_recoveries_total{result="recovered"}',
      'likewire_recoveries_total{result="gap"}',
      'likewire_replayed_events_total',
      'likewire_gaps_total{reason="expired"}',
      'likewire_gaps_total{reason="epoch"}',
      'likewire_gaps_total{reason="unavailable"}',
      'likewire_resumes_total{source="window"}',
      'likewire_resumes_total{source="store"}',
      'likewire_history_reads_total',
    ],
  )
  extra.serverRecovered = counters['likewire_recoveries_total{result="recovered"}']
  extra.serverRecoveryGaps = counters['likewire_recoveries_total{result="gap"}']
  extra.serverReplayed = counters.likewire_replayed_events_total
  // where the resumes were answered from: the frontends' windows of recent events, or history reads
  extra.serverResumesFromWindow = counters['likewire_resumes_total{source="window"}'] ?? 0
  extra.serverResumesFromStore = counters['likewire_resumes_total{source="store"}'] ?? 0
  extra.serverHistoryReads = counters.likewire_history_reads_total ?? 0
  // why the gaps: history no longer retained, lost, or unreachable (a read failed or timed out)
  for (const reason of ['expired', 'epoch', 'unavailable'])
    extra[`serverGaps_${reason}`] = counters[`likewire_gaps_total{reason="${reason}"}`] ?? 0
  progress(label, {
    reconnected: fleet.ready,
    backSeconds: extra.reconnectSeconds as number,
    caughtUp: extra.caughtUp as number,
    recoverySeconds: extra.recoverySeconds as number,
    slowestCatchUpSeconds: extra.slowestCatchUpSeconds as number,
    replayed: extra.serverReplayed as number,
  })
}
