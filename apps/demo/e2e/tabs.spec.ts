// One stream per browser, in real Chromium: tabs of a page running @likewire/client (its defaults: Web Locks,
// BroadcastChannel) against a real Likewire server on another origin.
import type { Likewire, Listening } from '@likewire/server'
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
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
  subscribe,
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
// a server per test: its stream counts are this test's alone
test.beforeEach(async () => {
  ;({ lw, listening } = await startServer(pages.url))
})
test.afterEach(async () => {
  await lw?.close()
  await listening?.close()
})

const TABS = 10
/** Tab i: a topic of its own, one of three overlapping groups, every tab's topic, the history topic on even tabs. */
const topicsOf = (i: number) => [`tab:${i}`, `group:${i % 3}`, 'all', ...(i % 2 === 0 ? ['chat:room'] : [])]

async function openTabs(context: BrowserContext, n = TABS): Promise<Page[]> {
  const tabs: Page[] = []
  for (let i = 0; i < n; i++) tabs.push(await openTab(context, pages.url, listening.url, topicsOf(i)))
  return tabs
}

const byTopic = (events: Array<{ topic: string; data: unknown }>) =>
  [...events].sort((a, b) => a.topic.localeCompare(b.topic))

test('ten tabs of one browser: one stream; each tab gets the events of its topics and no other; a POST from every tab completes', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const openers = watchStreams(context)
  const tabs = await openTabs(context)
  expect(await streams(lw)).toBe(1)
  expect(openers).toHaveLength(1)
  for (const tab of tabs) expect(await stateOf(tab)).toMatchObject({ status: 'connected' })

  const topics = [...new Set(tabs.flatMap((_, i) => topicsOf(i)))].filter((t) => t !== 'all')
  for (const topic of topics) await lw.publish(topic, `on ${topic}`)
  await lw.publish('all', 'last') // every tab's last: one stream, one channel, so it comes after the others
  for (const [i, tab] of tabs.entries()) {
    await expect.poll(async () => (await dataOf(tab, 'all')).length).toBe(1)
    const expected = topicsOf(i).map((topic) => ({ topic, data: topic === 'all' ? 'last' : `on ${topic}` }))
    expect(byTopic((await record(tab)).events)).toEqual(byTopic(expected))
  }

  // over HTTP/1.1 a stream per tab would hold all 6 connections of the server's origin: these would hang
  const statuses = await Promise.all(
    tabs.map((tab, i) =>
      tab.evaluate(
        async ({ url, i }) =>
          (
            await fetch(`${url}/v1/publish`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ topic: `tab:${i}`, data: `posted by ${i}` }),
            })
          ).status,
        { url: listening.url, i },
      ),
    ),
  )
  expect(statuses).toEqual(tabs.map(() => 202))
  for (const [i, tab] of tabs.entries())
    await expect.poll(() => dataOf(tab, `tab:${i}`)).toEqual([`on tab:${i}`, `posted by ${i}`])

  // a follower subscribes a topic no tab had: the leader's stream takes it
  const follower = tabs.find((tab) => tab !== openers[0])!
  await subscribe(follower, 'late')
  await lw.publish('late', 'hello')
  await expect.poll(() => dataOf(follower, 'late')).toEqual(['hello'])
  for (const tab of tabs.filter((t) => t !== follower)) expect(await dataOf(tab, 'late')).toEqual([])

  expect(await streams(lw)).toBe(1)
  expect(openers).toHaveLength(1)
  for (const tab of tabs) expect((await record(tab)).errors).toEqual([])
  await context.close()
})

test('closing the leader tab hands the stream to another tab; a history topic loses nothing across the handover', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const openers = watchStreams(context)
  const tabs = await openTabs(context)
  expect(openers).toHaveLength(1)
  const leader = openers[0]!
  const rest = tabs.filter((tab) => tab !== leader)
  const chatters = rest.filter((tab) => topicsOf(tabs.indexOf(tab)).includes('chat:room'))
  expect(chatters.length).toBeGreaterThan(2)
  const oldStream = (await stateOf(leader))!.connectionId

  const loop = publishLoop(lw, 'chat:room')
  await expect.poll(async () => (await dataOf(chatters[0]!, 'chat:room')).length).toBeGreaterThan(20)
  const closedAt = Date.now()
  await leader.close()

  // every other tab is connected again, on another stream
  await expect
    .poll(async () => {
      const states = await Promise.all(rest.map(stateOf))
      return states.every((s) => s?.status === 'connected' && s.connectionId !== oldStream)
    })
    .toBe(true)
  const records = await Promise.all(rest.map(record))
  const backAt = records.map((r) => r.states.find((s) => s.at >= closedAt && s.status === 'connected')!.at)
  // each went through the handover (leader_change, or connecting when its own tab took over first)
  for (const r of records)
    expect(r.states.some((s) => s.at >= closedAt && s.status !== 'connected')).toBe(true)
  // measured, never asserted: speed belongs in the benchmarks
  console.log(
    `handover: the first tab was connected again ${Math.min(...backAt) - closedAt} ms after the leader tab closed, every tab ${Math.max(...backAt) - closedAt} ms`,
  )

  const before = loop.count()
  await expect.poll(async () => (await dataOf(chatters[0]!, 'chat:room')).length).toBeGreaterThan(before + 20)
  const n = await loop.stop()
  for (const tab of chatters) await expect.poll(() => dataOf(tab, 'chat:room')).toEqual(upTo(n))

  // one new stream, opened by another tab; the old one is gone
  expect(openers).toHaveLength(2)
  expect(openers[1]).not.toBe(leader)
  await expect.poll(() => streams(lw)).toBe(1)
  expect(await streamsOpened(lw)).toBe(2)
  for (const r of await Promise.all(rest.map(record))) expect(r.errors).toEqual([])
  await context.close()
})

test('two browser contexts (two users) never share: two streams, each gets the events', async ({
  browser,
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()]
  const tabs = [
    ...(await openTabs(contexts[0]!, 2)),
    ...(await openTabs(contexts[1]!, 2)), // the same topics, the same token: only the context differs
  ]
  expect(await streams(lw)).toBe(2)
  await lw.publish('all', 'to everyone')
  for (const tab of tabs) await expect.poll(() => dataOf(tab, 'all')).toEqual(['to everyone'])
  for (const context of contexts) await context.close()
})

test('tabs with other credentials in one context never share: a stream per token', async ({ browser }) => {
  const context = await browser.newContext()
  const openers = watchStreams(context)
  const tokens = ['user-ann', 'user-bob', 'user-ann', 'user-bob']
  const tabs: Page[] = []
  for (const token of tokens) tabs.push(await openTab(context, pages.url, listening.url, ['all'], token))
  expect(await streams(lw)).toBe(2)
  expect(new Set(openers).size).toBe(2)
  expect(openers).not.toContain(tabs[2]) // ann's second tab uses ann's stream
  expect(openers).not.toContain(tabs[3])
  await lw.publish('all', 'to everyone')
  for (const tab of tabs) await expect.poll(() => dataOf(tab, 'all')).toEqual(['to everyone'])
  await context.close()
})
