import { expect, type Page, test } from '@playwright/test'
import { DemoServer } from './demo-server'
import { expectLive, formatCount, newViewer, readCount } from './pages'

// Ten tabs of the demo in one browser share one stream (@likewire/client's default): all live, a like from
// any tab reaches every tab, and closing the tab holding the stream keeps the others live. A viewer is a
// browser, not a tab (docs/decisions.md): the viewer count counts streams. A browser is one guest, so
// its ten tabs are one member of the video.
let server: DemoServer

test.beforeAll(async () => {
  server = await DemoServer.start()
})

test.afterAll(async () => {
  await server?.stop()
})

/** Open SSE streams on the demo server (Likewire's `likewire_connections` gauge). */
async function openStreams(): Promise<number> {
  const metrics = await (await fetch(`${server.url}/realtime/metrics`)).text()
  return Number(/^likewire_connections (\d+)/m.exec(metrics)?.[1])
}

async function likeAndSeeEverywhere(from: Page, tabs: Page[]): Promise<void> {
  const likes = await readCount(from, 'like-count')
  await from.getByTestId('like-button').click()
  for (const tab of tabs) await expect(tab.getByTestId('like-count')).toHaveText(formatCount(likes + 1))
}

test('ten tabs of the demo all live on one stream; closing the leader tab keeps the other nine live', async ({
  browser,
}) => {
  // the page draws its video at 2 fps rather than 60 when motion is reduced: ten canvases, two cores
  const context = await browser.newContext({ reducedMotion: 'reduce' })
  const streamOpeners: Page[] = []
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/realtime/v1/connect') streamOpeners.push(request.frame().page())
  })
  const tabs = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const page = await context.newPage()
      await page.goto(`${server.url}/?v=red`)
      return page
    }),
  )
  for (const tab of tabs) await expectLive(tab)
  expect(await openStreams()).toBe(1)
  expect(streamOpeners).toHaveLength(1)
  for (const tab of tabs) await expect(tab.getByTestId('viewer-count')).toHaveText('1') // one browser
  for (const tab of tabs) {
    await expect(tab.getByTestId('watching')).toHaveAttribute('data-count', '1') // one guest
    await expect(tab.getByTestId('watching')).toHaveText('Just you watching')
  }
  await likeAndSeeEverywhere(tabs[3]!, tabs)

  const leader = streamOpeners[0]!
  await leader.close()
  const rest = tabs.filter((tab) => tab !== leader)
  await expect.poll(() => streamOpeners.length).toBe(2) // another tab holds the stream now
  expect(rest).toContain(streamOpeners[1])
  for (const tab of rest) await expectLive(tab)
  await likeAndSeeEverywhere(rest.find((tab) => tab !== streamOpeners[1])!, rest)
  await expect.poll(openStreams).toBe(1)
  for (const tab of rest) await expect(tab.getByTestId('viewer-count')).toHaveText('1')

  // another browser on the same video is another viewer, and another guest
  const { context: other } = await newViewer(browser, server.url, { name: 'Olu', reducedMotion: true })
  const elsewhere = await other.newPage()
  await elsewhere.goto(`${server.url}/?v=red`)
  await expectLive(elsewhere)
  for (const tab of [...rest, elsewhere]) await expect(tab.getByTestId('viewer-count')).toHaveText('2')
  for (const tab of rest) {
    await expect(tab.getByTestId('watching')).toHaveText('Olu watching')
    await expect(tab.getByTestId('watching')).toHaveAttribute('data-count', '2')
  }
  await likeAndSeeEverywhere(elsewhere, rest)
  await other.close()
  await context.close()
})
