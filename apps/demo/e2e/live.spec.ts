import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Page, test } from '@playwright/test'
import { DemoServer } from './demo-server'
import { closePage, formatCount, makeGuest, openVideo, postCommentAs, readCount } from './pages'

/** The README's image: committed, refreshed only by `npm run screenshot -w @likewire/demo`. */
const README_IMAGE = fileURLToPath(new URL('../screenshot.png', import.meta.url))

let server: DemoServer

test.beforeAll(async () => {
  server = await DemoServer.start()
})

test.afterAll(async () => {
  await server?.stop()
})

test('two viewers of a video see each other’s likes and comments; a viewer of another video sees neither', async ({
  browser,
}) => {
  const a = await openVideo(browser, server.url, 'red')
  const b = await openVideo(browser, server.url, 'red')
  const other = await openVideo(browser, server.url, 'green')
  const likesOnB = await readCount(b, 'like-count')
  const likesOnOther = await readCount(other, 'like-count')

  await a.getByTestId('like-button').click()
  await expect(b.getByTestId('like-count')).toHaveText(formatCount(likesOnB + 1), { timeout: 1000 })
  await expect(b.getByTestId('floating-heart').first()).toBeAttached({ timeout: 1000 })

  await a.getByTestId('comment-input').fill('Hello from the red room')
  await a.getByTestId('comment-submit').click()
  await expect(b.getByTestId('comment-list')).toContainText('Hello from the red room', { timeout: 1000 })

  // b has received both by now; the green viewer, served by the same process, got nothing
  await expect(other.getByTestId('like-count')).toHaveText(formatCount(likesOnOther))
  await expect(other.getByTestId('floating-heart')).toHaveCount(0)
  await expect(other.getByTestId('comment-list')).not.toContainText('Hello from the red room')

  for (const page of [a, b, other]) await closePage(page)
})

test('picking another video in the list switches the subscription', async ({ browser }) => {
  const a = await openVideo(browser, server.url, 'red')
  const b = await openVideo(browser, server.url, 'red')
  await b.getByTestId('video-list').locator('[data-video-id="blue"]').click()
  await expect(b).toHaveURL(/\?v=blue$/)
  await expect(b.getByRole('heading', { level: 1 })).toHaveText('Ask me anything: Server-Sent Events')
  const blueLikes = await readCount(b, 'like-count')

  await a.getByTestId('like-button').click()
  await b.getByTestId('like-button').click()
  await expect(b.getByTestId('like-count')).toHaveText(formatCount(blueLikes + 1))
  await expect(a.getByTestId('viewer-count')).toHaveText('1')
  for (const page of [a, b]) await closePage(page)
})

test('the viewer count rises when a page opens and falls when it closes', async ({ browser }) => {
  const a = await openVideo(browser, server.url, 'green')
  const before = await readCount(a, 'viewer-count')
  const b = await openVideo(browser, server.url, 'green')
  await expect(a.getByTestId('viewer-count')).toHaveText(String(before + 1))
  await expect(b.getByTestId('viewer-count')).toHaveText(String(before + 1))
  await closePage(b)
  await expect(a.getByTestId('viewer-count')).toHaveText(String(before))
  await closePage(a)
})

test('hostile comment text and guest names show as text and run nothing', async ({ browser }) => {
  const hostile = '<img src=x onerror="window.__pwned=1">'
  const hostileName = '<img src=y onerror="window.__pwned=2">'
  const a = await openVideo(browser, server.url, 'blue', { name: hostileName })
  const b = await openVideo(browser, server.url, 'blue')
  await a.getByTestId('comment-input').fill(hostile)
  await a.getByTestId('comment-submit').click()
  for (const page of [a, b]) {
    await expect(page.getByTestId('comment-list')).toContainText(hostile)
    await expect(page.getByTestId('comment-author').last()).toHaveText(hostileName)
    await expect(page.getByTestId('comment-list').locator('img')).toHaveCount(0)
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined()
  }
  // the other viewer's "watching" line names the hostile guest, as text (a guest of an earlier test
  // may still be a member within the grace, and named before)
  await expect(b.getByTestId('watching')).toContainText(hostileName)
  await expect(b.getByTestId('watching').locator('img')).toHaveCount(0)
  // a viewer who arrives later gets it by rewind of the comments topic, and it is still text
  const late = await openVideo(browser, server.url, 'blue')
  await expect(late.getByTestId('comment-list')).toContainText(hostile)
  await expect(late.getByTestId('comment-author').last()).toHaveText(hostileName)
  expect(await late.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined()

  // names that would break the page's text are refused before anything is sent
  const error = b.getByTestId('comment-error')
  for (const [name, message] of [
    ['\u202Egnp.exe', 'Your name cannot hold line breaks or control characters.'],
    ['x'.repeat(41), 'Your name needs 1 to 40 characters.'],
    ['   ', 'Your name needs 1 to 40 characters.'],
  ]) {
    await b.getByTestId('author-input').fill(name as string)
    await b.getByTestId('comment-input').fill('from a bad name')
    await b.getByTestId('comment-submit').click()
    await expect(error).toHaveText(message as string)
  }
  await expect(a.getByTestId('comment-list')).not.toContainText('from a bad name')
  for (const page of [a, b, late]) await closePage(page)
})

test('the comment input rejects empty and too long text with a message', async ({ browser }) => {
  const page = await openVideo(browser, server.url, 'red')
  const error = page.getByTestId('comment-error')
  await page.getByTestId('comment-submit').click()
  await expect(error).toHaveText('Write something first.')
  await page.getByTestId('comment-input').fill('   ')
  await page.getByTestId('comment-input').press('Enter')
  await expect(error).toHaveText('Write something first.')
  await page.getByTestId('comment-input').fill('x'.repeat(281))
  await page.getByTestId('comment-submit').click()
  await expect(error).toHaveText('Comments are limited to 280 characters.')
  await expect(page.getByTestId('comment-list')).not.toContainText('xxxxxxxx')
  await closePage(page)
})

test('keyboard only: Tab to the like button and press Enter, or press L', async ({ browser }) => {
  const page = await openVideo(browser, server.url, 'green')
  const likes = await readCount(page, 'like-count')
  const button = page.getByTestId('like-button')
  for (let i = 0; i < 30 && !(await button.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab')
  }
  await expect(button).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('like-count')).toHaveText(formatCount(likes + 1))
  await page.locator('body').press('l')
  await expect(page.getByTestId('like-count')).toHaveText(formatCount(likes + 2))
  await closePage(page)
})

test('fits a phone-width screen', async ({ browser }) => {
  const context = await browser.newContext({
    viewport: { width: 375, height: 740 },
    isMobile: true,
    hasTouch: true,
  })
  const page = await context.newPage()
  await page.goto(`${server.url}/?v=red`)
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected')
  for (const id of ['like-button', 'like-count', 'viewer-count', 'comment-input', 'comment-submit']) {
    await expect(page.getByTestId(id)).toBeVisible()
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await context.close()
})

test('the crowd switch makes a burst of likes, all counted', async ({ browser }) => {
  const a = await openVideo(browser, server.url, 'blue')
  const b = await openVideo(browser, server.url, 'blue')
  const before = await readCount(b, 'like-count')
  const crowd = a.getByTestId('crowd-switch')
  await crowd.click()
  await expect(crowd).toHaveAttribute('aria-checked', 'true')
  await expect(b.getByTestId('crowd-switch')).toHaveAttribute('aria-checked', 'true')
  await expect.poll(() => readCount(b, 'like-count')).toBeGreaterThan(before + 50)
  await expect(b.getByTestId('floating-heart').first()).toBeAttached()
  await crowd.click()
  await expect(b.getByTestId('crowd-switch')).toHaveAttribute('aria-checked', 'false')
  // once the crowd stops, both viewers agree on the total
  await expect
    .poll(async () => (await readCount(a, 'like-count')) === (await readCount(b, 'like-count')))
    .toBe(true)
  for (const page of [a, b]) await closePage(page)
})

test('screenshot of the page (into test-results/, never over the committed image)', async ({
  browser,
}, testInfo) => {
  const committed = readFileSync(README_IMAGE)
  // a server of its own: no guest of an earlier test is still watching (members leave after the grace)
  const own = await DemoServer.start()
  // Priya and Marco are watching (their dots green); Akhilesh and Sam commented and left (grey)
  const priya = await openVideo(browser, own.url, 'red', { name: 'Priya', reducedMotion: true })
  const marco = await openVideo(browser, own.url, 'red', { name: 'Marco', reducedMotion: true })
  const page = await openVideo(browser, own.url, 'red')
  const say = async (from: Page | string, text: string) => {
    if (typeof from === 'string') {
      await postCommentAs(own.url, await makeGuest(own.url, from), 'red', text)
    } else {
      await from.getByTestId('comment-input').fill(text)
      await from.getByTestId('comment-submit').click()
    }
    await expect(page.getByTestId('comment-list')).toContainText(text)
  }
  await say(priya, 'Joining from Bangalore, the hearts are so smooth!')
  await say('Akhilesh', 'How many frontend nodes does this run on?')
  await say(marco, 'One process here: frontend and dispatcher embedded. Same code as the cluster.')
  await say('Sam', 'Red video for the win ❤️')
  await expect(page.getByTestId('watching')).toHaveText('Priya and Marco watching')
  await expect(page.getByTestId('presence-dot').filter({ visible: true })).toHaveCount(4)
  await page.getByTestId('crowd-switch').click()
  // a stream up the player's side: over a second of hearts in the air
  await expect(page.getByTestId('floating-heart').nth(14)).toBeAttached()
  // test-results/screenshot.png: Playwright's git-ignored output folder, where `npm run screenshot` copies from
  const shot = join(testInfo.project.outputDir, 'screenshot.png')
  await page.screenshot({ path: shot })
  // a test must not dirty the tree: the shot is git-ignored and the README's image is untouched
  expect(spawnSync('git', ['check-ignore', '--quiet', shot]).status).toBe(0)
  expect(readFileSync(README_IMAGE).equals(committed)).toBe(true)
  await page.getByTestId('crowd-switch').click()
  await expect(page.getByTestId('crowd-switch')).toHaveAttribute('aria-checked', 'false')
  for (const p of [priya, marco, page]) await closePage(p)
  await own.stop()
})
