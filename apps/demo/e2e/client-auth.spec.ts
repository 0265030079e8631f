import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { expect, test } from '@playwright/test'

// @likewire/client as a page on another origin loads it: its ESM build, eventsource-parser by import map
const require = createRequire(import.meta.url)
const esm = (name: string) =>
  readFileSync(join(dirname(require.resolve(`${name}/package.json`)), 'dist/index.js'), 'utf8')
const clientJs = esm('@likewire/client')
const parserJs = esm('eventsource-parser')

let lw: Likewire
let listening: Listening
let pages: Server
let pageUrl: string

test.beforeAll(async () => {
  pages = createServer((req, res) => {
    if (req.url === '/client.js')
      return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(clientJs)
    if (req.url === '/eventsource-parser.js')
      return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(parserJs)
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        '<!doctype html><title>app</title><script type="importmap">{"imports":{"eventsource-parser":"/eventsource-parser.js"}}</script>',
      )
  })
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
  pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
  // the stream is on another origin than the page, which is allowed: its error answers must be readable
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    authenticate: (request) =>
      request.headers.get('authorization') === 'Bearer good' ? { user: 'ann' } : null,
    cors: { origins: [pageUrl] },
  })
  listening = await listen(lw, { port: 0 })
})

test.afterAll(async () => {
  await lw?.close()
  await listening?.close()
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()))
})

/** Starts @likewire/client in the page with these credentials; its state changes land in window.states. */
async function startClient(page: import('@playwright/test').Page, token: string) {
  await page.goto(`${pageUrl}/`)
  await page.evaluate(
    async ({ url, token }) => {
      const { createClient } = await import('/client.js' as string)
      const w = window as unknown as { states: string[] }
      w.states = []
      const client = createClient({
        url,
        backoff: { baseMs: 50, maxMs: 200 },
        getHeaders: () => ({ Authorization: `Bearer ${token}` }),
      })
      client.onStateChange(({ newState }: { newState: { status: string; reason: string } }) =>
        w.states.push(`${newState.status}:${newState.reason}`),
      )
      client.subscribe('t', () => {})
    },
    { url: listening.url, token },
  )
}

test('a 401 at connect reaches the client in Chromium: it ends closed(unauthorized), not a reconnect loop', async ({
  page,
}) => {
  await startClient(page, 'bad')
  const states = () => page.evaluate(() => (window as unknown as { states: string[] }).states)
  await expect.poll(states).toContain('closed:unauthorized')
  expect(await states()).not.toContain('reconnecting:network_error')
})

test('the same client with good credentials connects', async ({ page }) => {
  await startClient(page, 'good')
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { states: string[] }).states))
    .toContain('connected:connect')
})
