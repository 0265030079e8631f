import type { ScenarioResult } from '../scenarios/run-scenario'

/** The fire-and-forget scenarios the report compares with a run of theirs on history topics. */
export const HISTORY_PAIRS = [
  {
    scenario: 'dispatcher',
    // at 20,000 publishes/s, about what one dispatcher records in Redis on this box (50,000 is the plain target)
    variant: '-rate20000',
    what: 'a history rule on all its 1,000 topics (every publish recorded in Redis first), both at 20,000 publishes/s',
    plainCommand: 'npm run bench -- dispatcher --rate 20000',
    command: "npm run bench -- dispatcher --rate 20000 --history 'live:*=100/300'",
  },
  {
    scenario: 'million-likes',
    variant: '',
    what: 'history on the likes topic',
    plainCommand: 'npm run bench -- million-likes',
    command: "npm run bench -- million-likes --history 'live:*=100/300'",
  },
] as const

export const RECOVERY_COMMAND = 'npm run bench -- recovery-storm'

/** One scenario's pair of runs, either side possibly not run yet. */
export interface HistoryPair {
  scenario: string
  plain?: ScenarioResult | undefined
  history?: ScenarioResult | undefined
}

const n = (value: number | null | undefined) =>
  typeof value === 'number' && Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
const ms = (value: number) => `${Math.round(value * 10) / 10}`
const times = (a: number, b: number | undefined) =>
  b !== undefined && b > 0 ? ` (x${Math.round((a / b) * 100) / 100})` : ''
/** Seconds as the result holds them: null is an Infinity that went through JSON (never reached). */
export const seconds = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? `${value} s` : 'never (while events flowed)'

/**
 * "History": what history costs (each pair side by side, the history run's figures with history / plain in
 * brackets) and the recovery storm. A result not written yet is named with the command that writes it.
 */
export function historySection(pairs: HistoryPair[], recovery: ScenarioResult | undefined): string[] {
  const missing: string[] = []
  const rows: string[] = []
  for (const { scenario, plain, history } of pairs) {
    const pair = HISTORY_PAIRS.find((p) => p.scenario === scenario)
    const file = `${scenario}${pair?.variant ?? ''}`
    if (!plain) missing.push(`\`${file}.json\` (\`${pair?.plainCommand ?? `npm run bench -- ${scenario}`}\`)`)
    if (!history) missing.push(`\`${file}-history.json\` (\`${pair?.command ?? scenario}\`)`)
    rows.push(row(scenario, 'fire-and-forget', plain))
    rows.push(
      row(scenario, history?.history ? `history \`${history.history.rules}\`` : 'history', history, plain),
    )
  }
  if (!recovery) missing.push(`\`recovery-storm.json\` (\`${RECOVERY_COMMAND}\`)`)
  return [
    '## History',
    '',
    'What a history rule costs: the same scenario, same settings, with every event of its topics recorded',
    'before it is delivered (cluster: one Redis script run per publish request on the dispatcher) and carrying its position,',
    'against fire-and-forget. The history row shows, in brackets, history / fire-and-forget.',
    '',
    ...HISTORY_PAIRS.map((p) => `- ${p.scenario}: ${p.what}; \`${p.command}\``),
    '',
    '| scenario | run | publishes/s | deliveries/s | lost | p50 / p99 ms | server CPU ms | server RSS MiB | duplicates / missing per client | ran |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |',
    ...rows,
    '',
    ...recoveryLines(recovery),
    ...(missing.length > 0
      ? ['Not run yet (the report shows what exists):', '', ...missing.map((m) => `- ${m}`), '']
      : []),
  ]
}

function row(
  scenario: string,
  run: string,
  r: ScenarioResult | undefined,
  base?: ScenarioResult | undefined,
): string {
  if (!r) return `| ${scenario} | ${run} | not run yet | | | | | | | |`
  const h = r.history
  return [
    '',
    scenario,
    run,
    `${n(r.publishesPerSec)}${times(r.publishesPerSec, base?.publishesPerSec)}`,
    `${n(r.deliveriesPerSec)}${times(r.deliveriesPerSec, base?.deliveriesPerSec)}`,
    n(r.lost),
    `${ms(r.latencyMs.p50)} / ${ms(r.latencyMs.p99)}${times(r.latencyMs.p99, base?.latencyMs.p99)}`,
    `${n(r.serverCpuMs)}${times(r.serverCpuMs, base?.serverCpuMs)}`,
    `${n(r.serverRssBytes / 2 ** 20)}${times(r.serverRssBytes, base?.serverRssBytes)}`,
    h ? `${n(h.duplicates)} / ${n(h.missing)}` : '-',
    `${r.ranAt.slice(0, 16)}${r.quick ? ' (smoke run)' : ''}`,
    '',
  ]
    .join(' | ')
    .trim()
}

function recoveryLines(r: ScenarioResult | undefined): string[] {
  if (!r) return []
  const h = r.history
  const e = r.extra
  return [
    '### Recovery storm',
    '',
    `${r.what}. Target: ${r.target}. History \`${h?.rules}\`; \`${r.command}\`, ${r.ranAt}.`,
    '',
    '| clients | all back | caught up | slowest replay | missing | duplicates | gaps | replayed (servers) | lost | verdict |',
    '| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${n(r.connections)} | ${n(e.reconnected as number)} in ${seconds(e.reconnectSeconds)} | ${n(e.caughtUp as number)} in ${seconds(e.recoverySeconds)} | ${seconds(e.slowestCatchUpSeconds)} | ${n(h?.missing)} | ${n(h?.duplicates)} | ${n(h?.gaps)} | ${n(e.serverReplayed as number)} | ${n(r.lost)} | ${r.met === null ? 'smoke run, not judged' : r.met ? 'met' : '**missed**'} |`,
    '',
    'Caught up: from the cut until every client got an event published after its reconnect began (events',
    'come in order, so everything it missed came before); it includes the reconnect jitter (up to 2 s).',
    'Slowest replay: the longest any client took from the start of its reconnect to caught up. Missing and',
    "duplicates are per client: its offsets must come one after the other, through the cut, up to the topic's",
    'last one.',
    '',
  ]
}
