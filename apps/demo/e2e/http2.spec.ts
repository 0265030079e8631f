import { readFileSync } from 'node:fs'
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createLikewire, type Likewire, listen } from '@likewire/server'
import { type Certificate, selfSignedCertificate } from '@likewire/testkit'
import { expect, type Page, test } from '@playwright/test'
import { Hono } from 'hono'
import config from '../playwright.config'

// Over HTTP/1.1 Chromium opens at most 6 connections per origin: 6 streams hold them all and the 7th tab
// (and every request after) waits. Over HTTP/2 all of them share one connection. Here: 10 tabs with
// sharing turned off, each with its own stream, on a page and a Likewire served over HTTPS + HTTP/2.

// the test's self-signed certificate: Chromium is told to accept it, for this file only
test.use({
  launchOptions: {
    ...config.use?.launchOptions,
    args: [...(config.use?.launchOptions?.args ?? []), '--ignore-certificate-errors'],
  },
})

// @likewire/client as a page loads it: its ESM build, eventsource-parser by import map
const require = createRequire(import.meta.url)
const esm = (name: string) =>
  readFileSync(join(dirname(require.resolve(`${name}/package.json`)), 'dist/index.js'), 'utf8')
const TABS = 10

let certificate: Certificate
let lw: Likewire
let close: () => Promise<void>
let url: string
/** HTTP/2 streams per session, as the server saw them. */
const streamsPerSession = new Map<ServerHttp2Session, number>()

test.beforeAll(async () => {
  certificate = selfSignedCertificate()
  lw = createLikewire({ logLevel: 'silent', processMetrics: false })
  // the page and Likewire on one origin, as an app serves them
  const app = new Hono()
  const js = (body: string) => () => new Response(body, { headers: { 'Content-Type': 'text/javascript' } })
  app.get('/client.js', js(esm('@likewire/client')))
  app.get('/eventsource-parser.js', js(esm('eventsource-parser')))
  app.get('/', (c) =>
    c.html(
      '<!doctype html><title>tab</title><script type="importmap">{"imports":{"eventsource-parser":"/eventsource-parser.js"}}</script>',
    ),
  )
  app.route('/', lw.app)
  const listening = await listen({ app, attach: lw.attach }, { port: 0, tls: certificate })
  listening.server.on('stream', (stream: ServerHttp2Stream) => {
    const session = stream.session as ServerHttp2Session
    streamsPerSession.set(session, (streamsPerSession.get(session) ?? 0) + 1)
  })
  url = listening.url
  close = listening.close
})

test.afterAll(async () => {
  await lw?.close()
  await close?.()
  certificate?.remove()
})

/** Opens the page in a tab and starts a client of its own (share: false) on topic `t`. */
async function openTab(page: Page): Promise<void> {
  await page.goto(`${url}/`)
  await page.evaluate(async (url) => {
    const { createClient } = await import('/client.js' as string)
    const w = window as unknown as { states: string[]; received: unknown[] }
    w.states = []
    w.received = []
    const client = createClient({ url, share: false })
    client.onStateChange(({ newState }: { newState: { status: string } }) => w.states.push(newState.status))
    client.subscribe('t', (event: { data: unknown }) => w.received.push(event.data))
  }, url)
}

const read = (page: Page) =>
  page.evaluate(() => {
    const { states, received } = window as unknown as { states: string[]; received: unknown[] }
    return { states, received }
  })

test(`${TABS} tabs with sharing off all connect and receive, multiplexed on one HTTP/2 connection`, async ({
  context,
}) => {
  const tabs: Page[] = []
  for (let i = 0; i < TABS; i++) {
    const tab = await context.newPage()
    await openTab(tab)
    tabs.push(tab)
  }
  for (const tab of tabs) await expect.poll(async () => (await read(tab)).states).toContain('connected')
  // ten streams held by the server at once
  await expect.poll(() => lw.frontend.connectionCount).toBe(TABS)

  // a POST from a tab goes through while the ten streams are open (over HTTP/1.1 it would wait forever)
  const status = await tabs[0]!.evaluate(async () => {
    const res = await fetch('/v1/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ topic: 't', data: 'to every tab' }),
    })
    return res.status
  })
  expect(status).toBe(202)
  for (const tab of tabs) await expect.poll(async () => (await read(tab)).received).toEqual(['to every tab'])

  // what proves the multiplexing: one session carried the page loads, the ten streams and the POST
  expect([...streamsPerSession.values()]).toHaveLength(1)
  expect([...streamsPerSession.values()][0]).toBeGreaterThanOrEqual(TABS + 1)
})
