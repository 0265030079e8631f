import { expect, test } from '@playwright/test'
import { DemoServer } from './demo-server'
import { closePage, expectLive, formatCount, openVideo, readCount } from './pages'

let server: DemoServer

test.beforeAll(async () => {
  server = await DemoServer.start()
})

test.afterAll(async () => {
  await server?.stop()
})

test('a restart of the server: pages show reconnecting, then connected, and likes flow again without a reload', async ({
  browser,
}) => {
  const a = await openVideo(browser, server.url, 'green')
  const b = await openVideo(browser, server.url, 'green')
  const port = server.port

  await server.stop()
  for (const page of [a, b]) {
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'reconnecting')
    await expect(page.getByTestId('connection-status')).toContainText('Reconnecting')
  }

  await server.restart()
  expect(server.port).toBe(port)
  for (const page of [a, b]) {
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', {
      timeout: 20_000,
    })
    await expectLive(page)
  }
  await expect(a.getByTestId('viewer-count')).toHaveText('2')
  // both re-read the state of the new server
  await expect
    .poll(async () => (await readCount(a, 'like-count')) === (await readCount(b, 'like-count')))
    .toBe(true)
  const likes = await readCount(b, 'like-count')

  await a.getByTestId('like-button').click()
  await expect(b.getByTestId('like-count')).toHaveText(formatCount(likes + 1), { timeout: 1000 })
  await expect(b.getByTestId('floating-heart').first()).toBeAttached({ timeout: 1000 })
  for (const page of [a, b]) await closePage(page)
})
