import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { scenarios } from '../scenarios/catalog'
import type { ScenarioResult } from '../scenarios/run-scenario'
import { renderMarkdown } from './markdown'
import { barChart, lineChart } from './svg'

const docsFile = new URL('../../../docs/benchmarks.md', import.meta.url)

/** Reads every `<scenario>.json` in `dir`, writes its SVG charts beside it, and regenerates docs/benchmarks.md. */
export function writeReport(dir: URL): string {
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    const file = new URL(`${scenario.name}.json`, dir)
    if (!existsSync(file)) continue
    const result = JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult
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
  // the analysis of missed targets is written by hand in results/notes.md and kept across regenerations
  const notesFile = new URL('notes.md', dir)
  const notes = existsSync(notesFile)
    ? readFileSync(notesFile, 'utf8').trim()
    : 'No analysis written yet (results/notes.md).'
  writeFileSync(docsFile, renderMarkdown(results, relativeFromDocs(dir)).replace('<!-- LIMITS -->', notes))
  return fileURLToPath(docsFile)
}

const percentiles = (latency: ScenarioResult['latencyMs']) => [
  latency.p50,
  latency.p90,
  latency.p99,
  latency.max,
]

function relativeFromDocs(dir: URL): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  return `../${fileURLToPath(dir).slice(root.length)}`
}
