import type { Percentiles } from '../lib/histogram'
import type { PresenceResult } from '../scenarios/presence'
import type { PhaseResult } from '../scenarios/presence-result'

export const PRESENCE_COMMAND = 'npm run bench -- presence'

const n = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value)
const mark = (met: boolean | null) => (met === null ? 'smoke run, not judged' : met ? 'met' : '**missed**')
const s = (ms: number) => `${Math.round(ms / 100) / 10} s`
/** A rate or a ratio: one decimal, thousands separated. */
const r1 = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 })
const lag = (p: Percentiles) => (p.count === 0 ? 'none' : `${n(p.p50)} / ${n(p.p99)} / ${n(p.max)}`)
const cpu = (byProcess: Record<string, number>, kind: string) =>
  Object.entries(byProcess)
    .filter(([label]) => label.includes(kind))
    .map(([, percent]) => `${percent}`)
    .join(', ')

/** One row of the phases table: a label, then the flap phase's cell and the leave phase's. */
const row = (label: string, cell: (p: PhaseResult) => string, phases: PhaseResult[]) =>
  `| ${label} | ${phases.map(cell).join(' | ')} |`

/**
 * "Presence churn": the two cluster runs side by side (what watchers were owed and got, what the servers
 * published, Redis and CPU), then memory per identified connection against anonymous. Not run yet: the
 * command that runs it.
 */
export function presenceSection(r: PresenceResult | undefined): string[] {
  const head = ['## Presence churn', '']
  if (!r)
    return [
      ...head,
      `Not run yet: \`${PRESENCE_COMMAND}\` writes \`tooling/bench/results/presence.json\`.`,
      '',
    ]
  const { plan, memory } = r
  const phases = [r.flap, r.leave]
  return [
    ...head,
    `${r.what}. Target: ${r.target}. \`${r.command}\`, ${r.ranAt}, load average ${r.loadAverage.join(' then ')} (1 min, ${r.machine.cpus} cores).`,
    '',
    ...(r.met === null
      ? ['- smoke run (`--quick`): not judged against the targets']
      : Object.entries(r.checks).map(([check, met]) => `- ${check}: ${mark(met)}`)),
    '',
    `${n(plan.members)} members (\`m<i>\`, an HS256 token each in \`Authorization\`, one SSE stream each, no topics) and`,
    `${n(plan.watchers)} watchers (each a member too, subscribed to at most 100 \`member:m<i>/$presence\` topics: every`,
    `member has 2 watchers) over ${plan.frontends} frontend processes, with a dispatcher and the bench's own Redis;`,
    `${plan.workers} load-generator processes. Each run: the watchers subscribe (a snapshot each: offline), the members`,
    'connect (each owes its watchers one online), a quiet baseline, then the churn. A flap closes a stream and',
    'reopens it on a random frontend after a random delay up to the jitter; a leave closes it for longer than the',
    'grace. Owed to the watchers: per leave that came back, an offline then an online to each of its 2 watchers;',
    'for a flap, nothing. Counted per member and watcher once everyone was back, plus a tail of',
    `${s(plan.tailMs)}. Lags: an online from its \`since\` (the join), an offline from when it was due (\`since\` + grace).`,
    '',
    `| | ${phases.map((p) => `${p.name}: grace ${s(p.graceMs)}, ${p.flapPerSec * 100}%/s flap${p.leavePerSec ? `, ${p.leavePerSec * 100}%/s leave for ${s(p.awayMs)}` : ''}, ${p.durationSec} s`).join(' | ')} |`,
    '| --- | --- | --- |',
    row(
      'members connected (s); onlines to watchers',
      (p) =>
        `${r1(p.connectSeconds)} s; ${n(p.arrival.delivered)} of ${n(p.arrival.expected)} (lost ${n(p.arrival.lost)}, extra ${n(p.arrival.extra)})`,
      phases,
    ),
    row('snapshots missing', (p) => n(p.snapshotsMissing), phases),
    row(
      'flaps (to another frontend); absorbed (server)',
      (p) => `${n(p.churn.flaps)} (${n(p.churn.flapsAcross)}); ${n(p.churn.flapsAbsorbed)}`,
      phases,
    ),
    row(
      'flaps longer than the grace; longest flap',
      (p) => `${n(p.churn.slowFlaps)}; ${n(p.churn.maxFlapMs)} ms`,
      phases,
    ),
    row('leaves (all came back)', (p) => n(p.churn.leaves), phases),
    row(
      'changes published (server), online / offline',
      (p) => `${n(p.churn.published.online)} / ${n(p.churn.published.offline)}`,
      phases,
    ),
    row(
      'owed to watchers, online / offline',
      (p) => `${n(p.churn.expected.online)} / ${n(p.churn.expected.offline)}`,
      phases,
    ),
    row(
      'delivered, online / offline (per s of churn)',
      (p) =>
        `${n(p.churn.delivered.online)} / ${n(p.churn.delivered.offline)} (${r1(p.churn.deliveredPerSec)}/s)`,
      phases,
    ),
    row(
      'lost; extra; duplicates',
      (p) =>
        `${n(p.churn.lost.online + p.churn.lost.offline)}; ${n(p.churn.extra.online + p.churn.extra.offline)}; ${n(p.churn.duplicates)}`,
      phases,
    ),
    row('offlines to members that only flapped', (p) => n(p.churn.flapOfflines), phases),
    row(
      'changes out of order; watchers ending on offline',
      (p) => `${n(p.churn.outOfOrder)}; ${n(p.churn.endOffline)}`,
      phases,
    ),
    row('members still pending after the churn', (p) => n(p.churn.pendingAfter), phases),
    row('online lag p50 / p99 / max ms', (p) => lag(p.churn.onlineLagMs), phases),
    row('offline lag after due p50 / p99 / max ms', (p) => lag(p.churn.offlineLagMs), phases),
    row(
      'Redis commands/s idle -> churn (script runs/s)',
      (p) =>
        `${r1(p.redis.idle.commandsPerSec)} -> ${r1(p.redis.churn.commandsPerSec)} (${r1(p.redis.idle.scriptsPerSec)} -> ${r1(p.redis.churn.scriptsPerSec)})`,
      phases,
    ),
    row(
      'Redis commands per reconnect (script runs)',
      (p) => `${p.redis.commandsPerReconnect} (${p.redis.scriptsPerReconnect})`,
      phases,
    ),
    row(
      'Redis CPU % idle -> churn; memory per member',
      (p) => `${p.redis.idle.cpuPercent} -> ${p.redis.churn.cpuPercent}; ${n(p.redis.bytesPerMember)} B`,
      phases,
    ),
    row(
      'frontend CPU % idle -> churn (each)',
      (p) => `${cpu(p.cpu.idle, 'frontend')} -> ${cpu(p.cpu.churn, 'frontend')}`,
      phases,
    ),
    row(
      'dispatcher CPU %; load generator CPU % (churn)',
      (p) => `${cpu(p.cpu.churn, 'dispatcher')}; ${p.cpu.loadGenerator}`,
      phases,
    ),
    row(
      'whole box CPU % of all cores, idle -> churn (other work included)',
      (p) => `${p.cpu.boxIdle} -> ${p.cpu.boxChurn}`,
      phases,
    ),
    row(
      'streams dropped; rejected; server errors',
      (p) => `${n(p.errors.dropped)}; ${n(p.errors.rejected)}; ${p.errors.server.length}`,
      phases,
    ),
    '',
    `Memory: ${n(memory.connections)} idle connections (no topics) on one frontend process, cluster mode, RSS and heap after`,
    `a full GC (read again 2 s later) minus the same before any connection; ${memory.runs.length / 2} fresh runs of each kind,`,
    'alternating; medians (RSS range in brackets).',
    '',
    '| connection | RSS KiB per connection | JS heap used KiB | V8 heap committed KiB | Redis bytes per connection |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| anonymous | ${memory.anonymous.rssPerConnectionKiB} (${memory.rssRangeKiB.anonymous.join(' to ')}) | ${memory.anonymous.heapPerConnectionKiB} | ${memory.anonymous.heapCommittedPerConnectionKiB} | - |`,
    `| identified (HS256 token, a member) | ${memory.identified.rssPerConnectionKiB} (${memory.rssRangeKiB.identified.join(' to ')}) | ${memory.identified.heapPerConnectionKiB} | ${memory.identified.heapCommittedPerConnectionKiB} | ${n(memory.identified.redisBytesPerConnection)} |`,
    `| difference | ${memory.rssDifferenceKiB} | ${memory.heapDifferenceKiB} | ${Math.round((memory.identified.heapCommittedPerConnectionKiB - memory.anonymous.heapCommittedPerConnectionKiB) * 100) / 100} | |`,
    '',
  ]
}
