import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { scenarios } from '../scenarios/catalog'
import type { Http2Result } from '../scenarios/http2'
import type { PresenceResult } from '../scenarios/presence'
import type { ScenarioResult } from '../scenarios/run-scenario'
import type { TabsResult } from '../scenarios/tabs'
import { demoFramesSection } from './demo-frames'
import { HISTORY_PAIRS, type HistoryPair } from './history'
import { renderMarkdown } from './markdown'
import { barChart, lineChart } from './svg'

/** The committed report of the full runs. */
export const docsFile = new URL('../../../docs/benchmarks.md', import.meta.url)

/** Reads every `<scenario>.json` in `dir`, writes its SVG charts beside it, and the page `out` (docs/benchmarks.md). */
export function writeReport(dir: URL, out: URL = docsFile): URL {
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    const result = readResult(new URL(`${scenario.name}.json`, dir))
    if (!result) continue
    results.push(result)
    writeFileSync(
      new URL(`${scenario.name}-deliveries.svg`, dir),
      lineChart(
        `${scenario.name}: deliveries/s received by the load generator`,
        result.timeline.map((sample) => ({ x: sample.t, y: sample.deliveriesPerSec })),
        'deliveries/s',
      ),
    )
    const groups = [
      { label: 'likewire', values: percentiles(result.latencyMs) },
      ...Object.entries(result.baselines).map(([name, baseline]) => ({
        label: name,
        values: percentiles(baseline.latencyMs),
      })),
    ]
    writeFileSync(
      new URL(`${scenario.name}-latency.svg`, dir),
      barChart(
        `${scenario.name}: latency, dispatcher receipt -> client receipt`,
        groups,
        ['p50', 'p90', 'p99', 'max'],
        'ms',
      ),
    )
  }
  // each history pair side by side: a side not run yet is named on the page, never an error
  const historyPairs: HistoryPair[] = HISTORY_PAIRS.map(({ scenario, variant }) => ({
    scenario,
    plain: variant
      ? readResult(new URL(`${scenario}${variant}.json`, dir))
      : results.find((r) => r.scenario === scenario),
    history: readResult(new URL(`${scenario}${variant}-history.json`, dir)),
  }))
  // the analysis of missed targets is written by hand in results/notes.md and kept across regenerations
  const notesFile = new URL('notes.md', dir)
  const notes = existsSync(notesFile)
    ? readFileSync(notesFile, 'utf8').trim()
    : 'No analysis written yet (results/notes.md).'
  writeFileSync(
    out,
    renderMarkdown(
      results,
      chartDir(out, dir),
      historyPairs,
      readResult(new URL('tabs.json', dir)) as TabsResult | undefined,
      readResult(new URL('http2.json', dir)) as Http2Result | undefined,
      readResult(new URL('presence.json', dir)) as PresenceResult | undefined,
      variantResults(dir),
    ).replace('<!-- LIMITS -->', notes),
  )
  appendFileSync(out, `\n${demoFramesSection(dir)}`)
  return out
}

/** `<scenario>-<variant>.json` beside the defaults, by scenario then name; history pairs have their own section. */
function variantResults(dir: URL): ScenarioResult[] {
  const names = existsSync(dir) ? readdirSync(dir) : []
  return scenarios.flatMap((scenario) =>
    names
      .filter((name) => name.startsWith(`${scenario.name}-`) && name.endsWith('.json'))
      .filter((name) => !name.endsWith('-history.json'))
      .sort()
      .flatMap((name) => readResult(new URL(name, dir)) ?? []),
  )
}

const readResult = (file: URL): ScenarioResult | undefined =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult) : undefined

const percentiles = (latency: ScenarioResult['latencyMs']) => [
  latency.p50,
  latency.p90,
  latency.p99,
  latency.max,
]

/** The charts' folder as the page links it: relative to the page's own folder. */
function chartDir(page: URL, dir: URL): string {
  const path = relative(dirname(fileURLToPath(page)), fileURLToPath(dir))
  return path ? `${path}/` : './'
}
