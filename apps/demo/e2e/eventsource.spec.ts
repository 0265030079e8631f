import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type LikewireProcess, spawnLikewire } from '@likewire/testkit'
import { expect, test } from '@playwright/test'

// `likewire standalone`, read by the browser's own EventSource from another origin (CORS included)
let likewire: LikewireProcess
let likewireUrl: string
let page0: Server
let pageUrl: string

test.beforeAll(async () => {
  likewire = await spawnLikewire('standalone')
  likewireUrl = likewire.url
  // a page on another origin than the stream
  page0 = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'),
  )
  await new Promise<void>((resolve) => page0.listen(0, '127.0.0.1', resolve))
  pageUrl = `http://127.0.0.1:${(page0.address() as AddressInfo).port}/`
})

test.afterAll(async () => {
  await likewire?.stop()
  await new Promise<void>((resolve) => (page0 ? page0.close(() => resolve()) : resolve()))
})

test("a browser's native EventSource reads likewire standalone's stream from another origin", async ({
  page,
}) => {
  await page.goto(pageUrl)
  await page.evaluate((url) => {
    const w = window as unknown as { messages: string[]; connected: boolean }
    w.messages = []
    w.connected = false
    const source = new EventSource(`${url}/v1/connect?topics=live:42:likes`)
    source.onmessage = (event) => w.messages.push(event.data)
    source.addEventListener('likewire.connected', () => {
      w.connected = true
    })
  }, likewireUrl)
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { connected: boolean }).connected))
    .toBe(true)

  const res = await fetch(`${likewireUrl}/v1/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ topic: 'live:42:likes', data: { user: 'ann' } }),
  })
  const { ids } = (await res.json()) as { ids: string[] }
  await expect
    .poll(() =>
      page.evaluate(() => (window as unknown as { messages: string[] }).messages.map((m) => JSON.parse(m))),
    )
    .toEqual([{ topic: 'live:42:likes', id: ids[0], ts: expect.any(Number), data: { user: 'ann' } }])
})
