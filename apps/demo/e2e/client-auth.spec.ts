import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { expect, test } from '@playwright/test'
import { type ClientPages, serveClientPages } from './client-pages'

let lw: Likewire
let listening: Listening
let pages: ClientPages
let pageUrl: string

test.beforeAll(async () => {
  pages = await serveClientPages()
  pageUrl = pages.url
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
  await pages?.close()
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
