import { existsSync, readFileSync } from 'node:fs'
import { DEMO_FRAMES_COMMAND, type DemoFramesResult, type DemoFramesRun } from '../demo/demo-frames'

const mark = (met: boolean | null) => (met === null ? 'smoke run, not judged' : met ? 'met' : '**missed**')
const pct = (share: number) => `${Math.round(share * 1000) / 10} %`

/**
 * "The demo page: frame times": the demo page's frame times at 0, 500 and 2,000 likes/s, from
 * `<dir>/demo-frames.json`, as lines of markdown (a section of docs/benchmarks.md). Not run yet: the command.
 */
export function demoFramesSection(dir: URL): string {
  const file = new URL('demo-frames.json', dir)
  const head = ['## The demo page: frame times', '']
  if (!existsSync(file))
    return `${[...head, `Not run yet: \`${DEMO_FRAMES_COMMAND}\` writes \`tooling/bench/results/demo-frames.json\`.`, ''].join('\n')}\n`
  const r = JSON.parse(readFileSync(file, 'utf8')) as DemoFramesResult
  const lines = [
    ...head,
    `${r.what}. Target: ${r.target}. ${r.browser}; \`${r.command}\`, ${r.ranAt}, load average ${r.loadAverage.join(' then ')} (1 min, ${r.machine.cpus} cores).`,
    '',
    ...(r.met === null
      ? ['- smoke run (`--quick`): not judged against the targets']
      : Object.entries(r.checks).map(([check, met]) => `- ${check}: ${mark(met)}`)),
    '',
    `Each rate runs ${r.plan.warmUpSec} s unrecorded, then ${r.plan.durationSec} s recorded. Frame time: the gap between`,
    "two of the page's animation frames (60 fps is 16.7 ms); dropped: display refreshes that got no frame. Main",
    "thread: CDP `Performance.getMetrics` time per second of the window (task is everything the page's main thread",
    'did; script, style and layout are parts of it). Hearts/s: hearts drawn (the rest of the likes are counted only).',
    '',
    '| likes/s | frame p50 / p95 / p99 / max ms | fps | dropped | long tasks (total ms) | main thread ms/s: task / script / style / layout | hearts/s | counter exact |',
    '| ---: | --- | ---: | ---: | ---: | --- | ---: | --- |',
    ...r.runs.map(row),
    '',
  ]
  return `${lines.join('\n')}\n`
}

function row(run: DemoFramesRun): string {
  const f = run.frames
  const m = run.mainThread
  return `| ${run.likesPerSec.toLocaleString('en-US')} | ${f.p50} / ${f.p95} / ${f.p99} / ${f.max} | ${f.fps} | ${f.dropped} (${pct(f.droppedShare)}) | ${run.longTasks.count} (${run.longTasks.totalMs}) | ${m.taskMs} / ${m.scriptMs} / ${m.styleMs} / ${m.layoutMs} | ${run.heartsPerSec} | ${run.counterExact ? 'yes' : '**no**'} |`
}
