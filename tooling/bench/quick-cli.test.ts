import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `npm run bench -- <scenario> --quick` as a person runs it: a smoke run says so, and writes only git-ignored files.
const tooling = fileURLToPath(new URL('..', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
const committed = ['tooling/bench/results/capacity.json', 'docs/benchmarks.md']

const bench = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
    cwd: tooling,
    encoding: 'utf8',
    timeout: 90_000,
  })
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')
const ignored = (path: string) =>
  spawnSync('git', ['check-ignore', '--quiet', path], { cwd: root }).status === 0

describe('bench --quick (the CLI)', () => {
  it('capacity --quick says it is a smoke run, not met=, and where it wrote; report --quick pages it there', () => {
    const before = committed.map(read)
    const run = bench('capacity', '--quick', '--no-baselines')
    expect(run.status, run.stderr).toBe(0)
    const lines = run.stderr.trim().split('\n')
    expect(lines.at(-2)).toMatch(
      /^\[capacity\] smoke run \(--quick\), not judged against targets: deliveriesPerSec=\S+ lost=0 p50=/,
    )
    expect(run.stderr).not.toMatch(/met=/)
    expect(lines.at(-1)).toBe('[capacity] wrote tooling/bench/results/quick/capacity.json')
    const result = JSON.parse(read('tooling/bench/results/quick/capacity.json'))
    expect(result).toMatchObject({ scenario: 'capacity', quick: true, met: null, checks: {} })
    expect(ignored('tooling/bench/results/quick/capacity.json')).toBe(true)

    // report --quick (and all --quick) pages the smoke results beside them, never over docs/benchmarks.md
    const report = bench('report', '--quick')
    expect(report.status, report.stderr).toBe(0)
    expect(report.stderr.trim().split('\n').at(-1)).toBe('wrote tooling/bench/results/quick/benchmarks.md')
    const page = read('tooling/bench/results/quick/benchmarks.md')
    expect(page).toContain('| smoke run, not judged |')
    expect(page).toContain('![capacity deliveries/s](./capacity-deliveries.svg)')
    expect(existsSync(`${root}tooling/bench/results/quick/capacity-deliveries.svg`)).toBe(true)
    expect(ignored('tooling/bench/results/quick/benchmarks.md')).toBe(true)
    expect(committed.map(read)).toEqual(before)
  })
})
