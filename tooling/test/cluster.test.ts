import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const tooling = fileURLToPath(new URL('..', import.meta.url))

describe('npm run cluster', () => {
  it.each([
    [1, 1],
    [2, 1],
    [1, 2],
  ])(
    'starts %i datacenter(s), frontends of %i process(es), and delivers a publish end to end (--check)',
    (dcs, workers) => {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/cluster.ts',
          '--dcs',
          String(dcs),
          '--workers',
          String(workers),
          '--check',
        ],
        {
          cwd: tooling,
          encoding: 'utf8',
          timeout: 60_000,
        },
      )
      expect(run.stderr).not.toMatch(/cluster:|Error/)
      expect(run.status).toBe(0)
      expect(run.stdout).toContain(`dc${dcs}: redis://127.0.0.1:`)
      expect(run.stdout).toMatch(
        /check: published \S+ at http:\/\/127\.0\.0\.1:\d+, received at http:\/\/127\.0\.0\.1:\d+: ok/,
      )
      expect(run.stdout).toMatch(new RegExp(`serves with ${workers} process\\(es\\)`))
    },
  )
})
