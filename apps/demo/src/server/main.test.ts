import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { beforeAll, expect, it } from 'vitest'
import { DEMO_MAIN, withoutClusterEnv } from './test-processes.js'

// The built server as `npm start` runs it: a bad environment is one readable line and exit code 1.

beforeAll(() => {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npm run build\` in apps/demo`)
})

/** Runs the demo with `env` and returns how it ended; a demo that starts anyway is killed by the timeout. */
function runDemo(env: Record<string, string>) {
  return spawnSync(process.execPath, [DEMO_MAIN], {
    env: { ...withoutClusterEnv(process.env), HOST: '127.0.0.1', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  })
}

it.each([
  [
    { PORT: 'abc' },
    'likewire demo: PORT must be a whole number from 0 to 65535 (0 picks a free one), not "abc"',
  ],
  [
    { PORT: '70000' },
    'likewire demo: PORT must be a whole number from 0 to 65535 (0 picks a free one), not "70000"',
  ],
  [
    { PORT: '0', CROWD_LIKES_PER_SECOND: 'lots' },
    'likewire demo: CROWD_LIKES_PER_SECOND must be a number above 0, not "lots"',
  ],
  [
    { PORT: '0', GUEST_SECRET: 'too short' },
    'likewire demo: GUEST_SECRET must be at least 32 bytes (it signs HS256 tokens), not 9',
  ],
  [
    { PORT: '0', REDIS_URL: 'localhost' },
    'likewire demo: REDIS_URL must be a URL starting with redis:// or rediss://, not "localhost"',
  ],
])('%j: one line on stderr, no stack, exit code 1', (env, line) => {
  const run = runDemo(env)
  expect(run.stderr).toBe(`${line}\n`)
  expect(run.stdout).toBe('')
  expect(run.status).toBe(1)
})
