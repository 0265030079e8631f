import { expect, type Page, test } from '@playwright/test'
import { DemoServer } from './demo-server'
import { closePage, openVideo, readCount } from './pages'

/** Slices of the crowd the page is watched over: every one must start a heart. */
const SLICE_MS = 250
const SLICES = 12
/** A slice the page drew fewer frames in was starved by the box, not judged. */
const MIN_FRAMES = 3

let server: DemoServer

test.beforeAll(async () => {
  server = await DemoServer.start()
})

test.afterAll(async () => {
  await server?.stop()
})

interface Watch {
  /** Each heart that took off: page time, and where along the hearts' column it started (0 to 1). */
  starts: { t: number; x: number }[]
  /** Hearts that reached the upper half of the player. */
  high: number
  /** Page time of every animation frame. */
  frames: number[]
  /** Every text the like counter showed, in order. */
  counts: number[]
  /** Elements added to or removed from the hearts' column. */
  churn: number
}

/** Records, in the page, the hearts that take off, the counter's texts and any element churn. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const column = document.querySelector('.hearts') as HTMLElement
    const player = document.querySelector('.player') as HTMLElement
    const counter = document.querySelector('[data-testid="like-count"]') as HTMLElement
    const record: Watch = { starts: [], high: 0, counts: [], churn: 0, frames: [] }
    ;(window as unknown as { __watch: Watch }).__watch = record
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        if (m.type === 'childList') record.churn += m.addedNodes.length + m.removedNodes.length
        const heart = m.target as HTMLElement
        if (m.type !== 'attributes' || heart.dataset.testid !== 'floating-heart') continue
        const box = column.getBoundingClientRect()
        const at = heart.getBoundingClientRect()
        record.starts.push({
          t: performance.now(),
          x: (at.left - box.left) / Math.max(1, box.width - at.width),
        })
      }
    }).observe(column, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-testid'] })
    new MutationObserver(() => record.counts.push(Number(counter.textContent?.replace(/\D/g, '')))).observe(
      counter,
      { childList: true, characterData: true, subtree: true },
    )
    const sample = (time: number) => {
      record.frames.push(time)
      const middle = player.getBoundingClientRect().top + player.clientHeight / 2
      for (const heart of column.querySelectorAll('[data-testid="floating-heart"]'))
        if (heart.getBoundingClientRect().bottom < middle) record.high += 1
      requestAnimationFrame(sample)
    }
    requestAnimationFrame(sample)
  })
}

const watched = (page: Page) => page.evaluate(() => (window as unknown as { __watch: Watch }).__watch)

test('with the crowd on, hearts stream steadily up the player’s side and the counter rolls to the total', async ({
  browser,
}) => {
  const page = await openVideo(browser, server.url, 'red')
  const pool = await page.locator('.hearts > *').count()
  await watch(page)
  await page.getByTestId('crowd-switch').click()
  await expect(page.getByTestId('crowd-switch')).toHaveAttribute('aria-checked', 'true')
  await expect.poll(async () => (await watched(page)).starts.length).toBeGreaterThan(0)
  const first = (await watched(page)).starts[0]!.t
  await page.waitForFunction((until) => performance.now() > until, first + SLICE_MS * SLICES + 100, {
    polling: 100,
  })
  await page.getByTestId('crowd-switch').click()
  await expect(page.getByTestId('crowd-switch')).toHaveAttribute('aria-checked', 'false')

  // once stopped, the counter lands on the backend's total, having never gone down or past it
  const total = async () => {
    const response = await fetch(`${server.url}/api/videos/red?comments=false`)
    return ((await response.json()) as { likeCount: number }).likeCount
  }
  await expect.poll(async () => (await readCount(page, 'like-count')) === (await total())).toBe(true)
  const seen = await watched(page)
  const final = await total()
  for (let i = 1; i < seen.counts.length; i++)
    expect(seen.counts[i]!).toBeGreaterThanOrEqual(seen.counts[i - 1]!)
  expect(Math.max(...seen.counts)).toBe(final)

  // a stream, not waves: every 250 ms slice of the first 3 s in which the page drew started hearts. A
  // slice of under 3 frames (12 fps; a page runs 15) means the box starved the page: nothing could be
  // drawn there, by any design, and the likes of that moment may not have reached the page yet.
  const within = (t: number, i: number) => t >= first + i * SLICE_MS && t < first + (i + 1) * SLICE_MS
  const slices = Array.from({ length: SLICES }, (_, i) => ({
    hearts: seen.starts.filter((s) => within(s.t, i)).length,
    frames: seen.frames.filter((t) => within(t, i)).length,
  }))
  const report = slices.map((s) => `${s.hearts} hearts/${s.frames} frames`).join(', ')
  const drawn = slices.filter((s) => s.frames >= MIN_FRAMES)
  expect(
    drawn.filter((s) => s.hearts === 0),
    report,
  ).toEqual([])
  expect(drawn.length, report).toBeGreaterThanOrEqual(SLICES / 2)
  // across the column, not from one corner, and up the player, not at its foot
  const xs = seen.starts.map((s) => s.x)
  expect(Math.min(...xs)).toBeLessThan(0.25)
  expect(Math.max(...xs)).toBeGreaterThan(0.75)
  expect(xs.filter((x) => x > 0.33 && x < 0.67).length).toBeGreaterThan(0)
  expect(seen.high).toBeGreaterThan(0)
  // a fixed pool of elements: hearts come and go without adding or removing any
  expect(seen.churn).toBe(0)
  expect(await page.locator('.hearts > *').count()).toBe(pool)
  await closePage(page)
})

/** A fingerprint of the player's pixels now (a short hash of its PNG, for readable failures). */
const scene = (page: Page) =>
  page.evaluate(() => {
    const png = (document.querySelector('.player-canvas') as HTMLCanvasElement).toDataURL()
    let hash = 0
    for (let i = 0; i < png.length; i++) hash = (Math.imul(hash, 31) + png.charCodeAt(i)) | 0
    return `${png.length}:${hash}`
  })

test('the player is a moving scene that pauses while the tab is hidden, and a still one for a reader who asked for reduced motion', async ({
  browser,
}) => {
  const moving = await openVideo(browser, server.url, 'green')
  const before = await scene(moving)
  await moving.waitForTimeout(300)
  expect(await scene(moving)).not.toBe(before)
  await expect(moving.locator('.live-badge')).toHaveText('LIVE')
  await expect(moving.locator('.elapsed')).toHaveText(/^\d+:\d\d$/)

  // a hidden tab draws nothing (the browser tells the page through visibilitychange; emulated here, as a
  // headless tab is never hidden), and moves again once shown
  const setVisibility = (state: 'hidden' | 'visible') =>
    moving.evaluate((value) => {
      Object.defineProperty(document, 'visibilityState', { value, configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    }, state)
  await setVisibility('hidden')
  const hidden = await scene(moving)
  await moving.waitForTimeout(600)
  expect(await scene(moving)).toBe(hidden)
  await setVisibility('visible')
  await moving.waitForTimeout(300)
  expect(await scene(moving)).not.toBe(hidden)

  const still = await openVideo(browser, server.url, 'green', { reducedMotion: true })
  const first = await scene(still)
  await still.waitForTimeout(600)
  expect(await scene(still)).toBe(first)
  for (const page of [moving, still]) await closePage(page)
})
