import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type SpawnedProcess, spawnProcess } from '@likewire/testkit'
import type { Page } from 'playwright-core'
import { launchChromium } from '../browser/chromium'
import { progress, sleep } from '../lib/progress'
import { type ResultHead, resultHead } from '../lib/result-head'
import { fromRoot, resultsDir } from '../scenarios/run-scenario'
import { type FrameStats, frameStats } from './frame-stats'
import { RECORDER_SCRIPT, type Recording, START_SCRIPT, STOP_SCRIPT } from './recorder'

export const DEMO_FRAMES_COMMAND = 'npm run bench -- demo-frames'
/** The frame time that keeps 60 fps at the 95th percentile, and the share of refreshes that may be missed. */
export const FRAME_TARGET = { p95Ms: 17.5, droppedShare: 0.01 }

export const demoFramesScenario = {
  name: 'demo-frames',
  what: "The demo page (apps/demo, built) in headless Chromium at 1280x800, watching a video while likes arrive as one event each on its stream; frame times are the gaps between the page's animation frames",
  target: `60 fps at 0, 500 and 2,000 likes/s: p95 frame time <= ${FRAME_TARGET.p95Ms} ms and <= ${FRAME_TARGET.droppedShare * 100} % of refreshes dropped`,
}

export interface DemoFramesPlan {
  /** Likes per second, one run each. */
  rates: number[]
  /** Likes flow this long before the recording starts (the JIT, the hearts' pool filling). */
  warmUpSec: number
  /** The recording window of each run. */
  durationSec: number
  /** Likes are POSTed in one batch of events this often (each like stays an event of its own). */
  batchMs: number
}

export const demoFramesPlan = (quick: boolean): DemoFramesPlan =>
  quick
    ? { rates: [0, 500, 2000], warmUpSec: 1, durationSec: 3, batchMs: 50 }
    : { rates: [0, 500, 2000], warmUpSec: 3, durationSec: 15, batchMs: 50 }

/** Main-thread time per second of the window, from CDP `Performance.getMetrics` (ms/s). */
export interface MainThread {
  taskMs: number
  scriptMs: number
  styleMs: number
  layoutMs: number
}

export interface DemoFramesRun {
  likesPerSec: number
  /** Likes published during the window, and per second measured. */
  likes: number
  frames: FrameStats
  longTasks: { count: number; totalMs: number; maxMs: number }
  /** Hearts that took off per second: what is drawn (the rest is counted only). */
  heartsPerSec: number
  mainThread: MainThread
  /** The page's counter showed the last like's total once likes stopped. */
  counterExact: boolean
}

/** What `results/demo-frames.json` holds. */
export interface DemoFramesResult extends ResultHead<'demo-frames'> {
  browser: string
  plan: DemoFramesPlan
  runs: DemoFramesRun[]
}

const DEMO_DIR = new URL('../../../apps/demo/', import.meta.url)
const VIDEO = 'red'
const TOPIC = `video:${VIDEO}:likes`

export function judgeDemoFrames(runs: readonly DemoFramesRun[]): Record<string, boolean> {
  return Object.fromEntries(
    runs.flatMap((run) => [
      [
        `${run.likesPerSec} likes/s: p95 frame time <= ${FRAME_TARGET.p95Ms} ms`,
        run.frames.p95 <= FRAME_TARGET.p95Ms,
      ],
      [
        `${run.likesPerSec} likes/s: dropped frames <= ${FRAME_TARGET.droppedShare * 100} %`,
        run.frames.droppedShare <= FRAME_TARGET.droppedShare,
      ],
      [`${run.likesPerSec} likes/s: counter exact once likes stop`, run.counterExact],
    ]),
  )
}

/** Builds the demo (turbo: a no-op when nothing changed), serves it, and measures the page at each rate. */
export async function runDemoFrames(options: { quick: boolean }, command: string): Promise<DemoFramesResult> {
  const label = demoFramesScenario.name
  const plan = demoFramesPlan(options.quick)
  const build = spawnSync(
    'npx',
    ['turbo', 'run', 'build', '--filter=@likewire/demo', '--output-logs=errors-only'],
    {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: 'inherit',
    },
  )
  if (build.status !== 0) throw new Error('building apps/demo failed')
  const loadAtStart = loadavg()[0]!
  const apiKey = randomBytes(16).toString('hex')
  const server = await spawnProcess(
    process.execPath,
    [fileURLToPath(new URL('dist/server/main.js', DEMO_DIR))],
    {
      name: 'demo server',
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LIKEWIRE_API_KEY: apiKey },
      ready: /likewire demo: (http:\/\/\S+)/,
    },
  )
  const browser = await launchChromium()
  try {
    const [, url] = await server.waitForLine(/likewire demo: (http:\/\/\S+)/)
    const base = url!
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    await page.goto(`${base}/?v=${VIDEO}`)
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor()
    await page
      .locator('[data-testid="viewer-count"]')
      .filter({ hasText: /^[1-9]/ })
      .waitFor()
    if (!(await page.evaluate(RECORDER_SCRIPT))) throw new Error('the demo page has no .hearts column')
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics')
      return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>
    }
    let total = await readTotal(base)
    const runs: DemoFramesRun[] = []
    for (const likesPerSec of plan.rates) {
      const publisher = publishLikes(base, apiKey, likesPerSec, plan.batchMs, total)
      await sleep(plan.warmUpSec * 1000)
      const before = await metrics()
      const publishedBefore = publisher.published()
      await page.evaluate(START_SCRIPT)
      await sleep(plan.durationSec * 1000)
      const recording = (await page.evaluate(STOP_SCRIPT)) as Recording
      const after = await metrics()
      const likes = publisher.published() - publishedBefore
      total = await publisher.stop()
      const counterExact = await counterReaches(page, total)
      const seconds = plan.durationSec
      const perSecond = (name: string) =>
        Math.round((((after[name] ?? 0) - (before[name] ?? 0)) / seconds) * 1000 * 10) / 10
      const run: DemoFramesRun = {
        likesPerSec,
        likes,
        frames: frameStats(recording.deltas),
        longTasks: {
          count: recording.longTasks.length,
          totalMs: Math.round(recording.longTasks.reduce((a, b) => a + b, 0)),
          maxMs: Math.round(Math.max(0, ...recording.longTasks)),
        },
        heartsPerSec: Math.round((recording.hearts / seconds) * 10) / 10,
        mainThread: {
          taskMs: perSecond('TaskDuration'),
          scriptMs: perSecond('ScriptDuration'),
          styleMs: perSecond('RecalcStyleDuration'),
          layoutMs: perSecond('LayoutDuration'),
        },
        counterExact,
      }
      runs.push(run)
      progress(label, {
        likesPerSec,
        p50: run.frames.p50,
        p95: run.frames.p95,
        p99: run.frames.p99,
        dropped: run.frames.dropped,
        longTasks: run.longTasks.count,
        heartsPerSec: run.heartsPerSec,
        mainThreadMsPerSec: run.mainThread.taskMs,
        counterExact: String(counterExact),
      })
      // the hearts of this run land before the next one starts
      await sleep(4000)
    }
    const checks = judgeDemoFrames(runs)
    const result: DemoFramesResult = {
      ...resultHead('demo-frames', demoFramesScenario, {
        checks,
        quick: options.quick,
        command,
        loadAtStart,
      }),
      browser: `Chromium ${browser.version()} (headless, --disable-gpu)`,
      plan,
      runs,
    }
    // a smoke run never writes over the committed result: results/quick/ is git-ignored
    const dir = options.quick ? new URL('quick/', resultsDir) : resultsDir
    mkdirSync(dir, { recursive: true })
    const file = new URL('demo-frames.json', dir)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    process.stderr.write(`wrote ${fromRoot(file)}\n`)
    return result
  } finally {
    await browser.close()
    await stopServer(server)
  }
}

async function stopServer(server: SpawnedProcess) {
  await server.stop('SIGTERM').catch(() => {})
}

async function readTotal(base: string): Promise<number> {
  const response = await fetch(`${base}/api/videos/${VIDEO}?comments=false`)
  return ((await response.json()) as { likeCount: number }).likeCount
}

/**
 * Publishes `perSec` likes a second on the video's likes topic, each an event of its own as the demo's
 * backend publishes one like (`{ videoId, likeCount, delta: 1 }`), POSTed in a batch every `batchMs`.
 * The totals go on from `from`; `stop()` resolves with the last one.
 */
function publishLikes(base: string, apiKey: string, perSec: number, batchMs: number, from: number) {
  let published = 0
  let stopped = false
  const started = performance.now()
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - started) / 1000) * perSec) - published
      if (due > 0) {
        const events = Array.from({ length: due }, (_, i) => ({
          topic: TOPIC,
          data: { videoId: VIDEO, likeCount: from + published + i + 1, delta: 1 },
        }))
        const response = await fetch(`${base}/realtime/v1/publish`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ events }),
        })
        if (response.status !== 202)
          throw new Error(`publish answered ${response.status}: ${await response.text()}`)
        published += due
      }
      await sleep(batchMs)
    }
  })()
  return {
    published: () => published,
    async stop() {
      stopped = true
      await loop
      return from + published
    },
  }
}

/** Whether the counter shows `total` within 5 s (it rolls, so it may take a moment). */
async function counterReaches(page: Page, total: number): Promise<boolean> {
  const text = new Intl.NumberFormat('en-US').format(total)
  try {
    await page
      .locator('[data-testid="like-count"]')
      .filter({ hasText: new RegExp(`^${text}$`) })
      .waitFor({ timeout: 5000 })
    return true
  } catch {
    return false
  }
}
