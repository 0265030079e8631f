// Tabs that sleep or hang, in real Chromium, sharing one stream (@likewire/client's defaults).
//
// Headless Chromium does not freeze a page on CDP's Page.setWebLifecycleState (the first test shows it),
// so a frozen tab is made the way a browser freezes one: `freeze` is fired in the page, then its
// JavaScript stops (the debugger pauses it) until it is resumed, and `resume` is fired.
import type { Likewire, Listening } from '@likewire/server'
import { type CDPSession, expect, type Page, test } from '@playwright/test'
import { type ClientPages, serveClientPages } from './client-pages'
import {
  dataOf,
  openTab,
  publishLoop,
  record,
  startServer,
  stateOf,
  streams,
  streamsOpened,
  upTo,
  watchStreams,
} from './tab-harness'

let pages: ClientPages
let lw: Likewire
let listening: Listening

test.beforeAll(async () => {
  pages = await serveClientPages()
})
test.afterAll(async () => {
  await pages?.close()
})
test.beforeEach(async () => {
  ;({ lw, listening } = await startServer(pages.url))
})
test.afterEach(async () => {
  await lw?.close()
  await listening?.close()
})

/** Resolves with what `fn` resolves to, or 'no answer' if the page does not answer within `ms`. */
const within = <T>(ms: number, fn: () => Promise<T>) =>
  Promise.race([fn(), new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), ms))])

/** Stops the page's JavaScript (the debugger pauses it at its next task) and waits until it has stopped. */
async function pauseScripts(cdp: CDPSession): Promise<void> {
  const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()))
  await cdp.send('Debugger.enable')
  await cdp.send('Debugger.pause')
  await paused // the client's beat timer runs every 0.5 s: it stops there at the latest
}

async function resumeScripts(cdp: CDPSession): Promise<void> {
  await cdp.send('Debugger.resume')
  await cdp.send('Debugger.disable')
}

const fire = (page: Page, type: 'freeze' | 'resume') =>
  page.evaluate((type) => document.dispatchEvent(new Event(type)), type)

/** The events a tab got on chat:room so far. */
const chatCount = async (page: Page) => (await dataOf(page, 'chat:room')).length

test('headless Chromium: CDP Page.setWebLifecycleState "frozen" freezes nothing and fires no freeze event', async ({
  page,
}) => {
  await page.goto(`${pages.url}/`)
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[]; ticks: number }
    w.seen = []
    w.ticks = 0
    for (const type of ['freeze', 'resume', 'visibilitychange'])
      document.addEventListener(type, () => w.seen.push(type))
    setInterval(() => w.ticks++, 10)
  })
  const cdp = await page.context().newCDPSession(page)
  expect(await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })).toEqual({})
  const ticks = () => within(1000, () => page.evaluate(() => (window as unknown as { ticks: number }).ticks))
  const before = await ticks()
  expect(before).not.toBe('no answer') // a frozen page would run no task, this one included
  await expect.poll(ticks).toBeGreaterThan(before as number) // its timers still run
  await cdp.send('Page.setWebLifecycleState', { state: 'active' })
  expect(
    await page.evaluate(() => ({
      seen: (window as unknown as { seen: string[] }).seen,
      visibility: document.visibilityState,
    })),
  ).toEqual({ seen: [], visibility: 'visible' })
})

test('the leader tab is frozen: another tab takes over and keeps receiving; resumed, the frozen tab catches up on a history topic, nothing lost or doubled', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const openers = watchStreams(context)
  const tabs: Page[] = []
  for (let i = 0; i < 3; i++) tabs.push(await openTab(context, pages.url, listening.url, ['chat:room']))
  const leader = openers[0]!
  const rest = tabs.filter((tab) => tab !== leader)
  const loop = publishLoop(lw, 'chat:room')
  await expect.poll(() => chatCount(rest[0]!)).toBeGreaterThan(20)

  const cdp = await context.newCDPSession(leader)
  const frozenAt = Date.now()
  await fire(leader, 'freeze')
  await pauseScripts(cdp)
  // the frozen tab closed its stream and left; another tab opened the one stream
  await expect.poll(() => openers.length).toBe(2)
  expect(openers[1]).not.toBe(leader)
  await expect
    .poll(async () => (await Promise.all(rest.map(stateOf))).every((s) => s?.status === 'connected'))
    .toBe(true)
  const backAt = (await Promise.all(rest.map(record))).map(
    (r) => r.states.find((s) => s.at >= frozenAt && s.status === 'connected')!.at,
  )
  console.log(
    `freeze handover: every other tab connected again ${Math.max(...backAt) - frozenAt} ms after the freeze`,
  )
  expect(await streams(lw)).toBe(1)
  const atTakeover = loop.count()
  for (const tab of rest) await expect.poll(() => chatCount(tab)).toBeGreaterThan(atTakeover + 20)

  await resumeScripts(cdp)
  await fire(leader, 'resume')
  const atResume = loop.count()
  await expect.poll(() => chatCount(leader)).toBeGreaterThan(atResume)
  const n = await loop.stop()
  for (const tab of tabs) await expect.poll(() => dataOf(tab, 'chat:room')).toEqual(upTo(n))
  const leaderStates = (await record(leader)).states
  expect(leaderStates.map((s) => s.reason)).toContain('parked')
  expect(leaderStates.at(-1)?.status).toBe('connected')
  expect(await streams(lw)).toBe(1)
  expect(await streamsOpened(lw)).toBe(2) // the resumed tab joined the new leader's stream
  await context.close()
})

test('a hung leader tab (its scripts stopped, its lock held) is replaced by a steal; running again, it steps down and catches up', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const openers = watchStreams(context)
  const tabs: Page[] = []
  for (let i = 0; i < 3; i++) tabs.push(await openTab(context, pages.url, listening.url, ['chat:room']))
  const leader = openers[0]!
  const rest = tabs.filter((tab) => tab !== leader)
  const loop = publishLoop(lw, 'chat:room')
  await expect.poll(() => chatCount(rest[0]!)).toBeGreaterThan(20)

  const cdp = await context.newCDPSession(leader)
  await pauseScripts(cdp) // no freeze event: a hang, the lock still held, the stream still open
  await expect.poll(() => openers.length).toBe(2) // after leaderTimeoutMs without a beat, another tab stole the lock
  expect(openers[1]).not.toBe(leader)
  expect(await streams(lw)).toBe(2) // the hung tab's stream is still open
  const atSteal = loop.count()
  for (const tab of rest) await expect.poll(() => chatCount(tab)).toBeGreaterThan(atSteal + 20)

  await resumeScripts(cdp)
  await expect.poll(() => streams(lw)).toBe(1) // it learnt its lock was taken and closed its stream
  const atResume = loop.count()
  await expect.poll(() => chatCount(leader)).toBeGreaterThan(atResume)
  const n = await loop.stop()
  for (const tab of tabs) await expect.poll(() => dataOf(tab, 'chat:room')).toEqual(upTo(n))
  expect(await streamsOpened(lw)).toBe(2)
  await context.close()
})
