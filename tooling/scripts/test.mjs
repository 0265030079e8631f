#!/usr/bin/env node
// `npm test`: system deps, then build, typecheck, lint and every test of every package, ending with one
// plain totals line `N passed, N failed` summed over all runners (vitest and Playwright JSON reports).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const results = join(root, '.test-results')
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1

const stepFailures = []
if (run('bash', ['tooling/scripts/system-deps.sh']) !== 0) stepFailures.push('system dependencies')
rmSync(results, { recursive: true, force: true })

const turbo = ['node_modules/.bin/turbo', 'run']
if (run(turbo[0], [...turbo.slice(1), 'build', 'typecheck', 'lint', '--output-logs=errors-only']) !== 0) {
  stepFailures.push('build/typecheck/lint')
}
// tests run one package at a time: they spawn servers, Redis and Chromium on a 2-core machine
const testsExit = run(turbo[0], [...turbo.slice(1), 'test', '--concurrency=1', '--continue'])

let passed = 0
let failed = 0
let skipped = 0
const reports = existsSync(results) ? readdirSync(results).filter((f) => f.endsWith('.json')) : []
for (const file of reports) {
  const report = JSON.parse(readFileSync(join(results, file), 'utf8'))
  if (file.startsWith('playwright-')) {
    passed += report.stats.expected + report.stats.flaky
    failed += report.stats.unexpected
    skipped += report.stats.skipped
    failed += report.errors?.length ?? 0
  } else {
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
    // a test file that fails to load has no failed test but is a failure all the same
    failed += report.testResults.filter(
      (r) => r.status === 'failed' && r.assertionResults.length === 0,
    ).length
  }
}
if (testsExit !== 0 && failed === 0) stepFailures.push('a test runner exited with an error')
failed += stepFailures.length
for (const step of stepFailures) console.error(`FAILED: ${step}`)
console.log(`\n${reports.length} reports: ${reports.join(', ')}`)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 ? 0 : 1)
