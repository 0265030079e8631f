import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test'
import { COMMENTS_HISTORY } from '../src/server/realtime'
import { COMMENT_HISTORY, type Comment, type GuestSession } from '../src/shared/api'
import { DemoServer } from './demo-server'
import { expectLive, makeGuest, postCommentAs } from './pages'

// Comments are a history topic (`video:*:comments`, the last 100 for 24 h): they recover after a network
// loss and a late joiner starts with the last ones; likes stay fire-and-forget. Each test has its own
// server, so what one posts or restarts never shows in another.
let server: DemoServer

test.beforeEach(async () => {
  nodeGuest = null
  server = await DemoServer.start()
})

test.afterEach(async () => {
  await server?.stop()
})

/** How many comments of a video Likewire keeps (100). */
const HISTORY_SIZE = COMMENTS_HISTORY.size

/** Node's guest on the current server process (a restarted one signs with a new secret: a new guest). */
let nodeGuest: GuestSession | null = null

/** POSTs a comment from Node, as another viewer would (not through the page under test). */
async function postComment(videoId: string, text: string): Promise<Comment> {
  nodeGuest ??= await makeGuest(server.url, 'Node')
  return postCommentAs(server.url, nodeGuest, videoId, text)
}

async function postComments(videoId: string, texts: string[]): Promise<string[]> {
  for (const text of texts) await postComment(videoId, text)
  return texts
}

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`)

/** Open SSE streams on the server (Likewire's `likewire_connections` gauge). */
async function openStreams(): Promise<number> {
  const metrics = await (await fetch(`${server.url}/realtime/metrics`)).text()
  const line = metrics.split('\n').find((l) => l.startsWith('likewire_connections '))
  return Number(line?.split(' ')[1])
}

interface Viewer {
  context: BrowserContext
  page: Page
  /** Every URL the page requested, in order. */
  requests: string[]
}

/** A page in its own context, recording its requests from the first one. */
async function openViewer(browser: Browser, videoId: string): Promise<Viewer> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  await page.goto(`${server.url}/?v=${videoId}`)
  await expectLive(page)
  return { context, page, requests }
}

/** Reads of the comments over REST: `GET /api/videos/:id` without `?comments=false`. */
function commentReads(requests: string[], videoId: string): string[] {
  return requests.filter((url) => {
    const parsed = new URL(url)
    return parsed.pathname === `/api/videos/${videoId}` && parsed.searchParams.get('comments') !== 'false'
  })
}

const connects = (requests: string[]) =>
  requests.filter((url) => new URL(url).pathname === '/realtime/v1/connect')

const commentTexts = (page: Page) => page.getByTestId('comment-text')

test('a viewer whose network drops for 10 s sees every comment posted meanwhile on return, once and in order, without a reload', async ({
  browser,
}) => {
  const before = await postComments('red', ['before the drop 1', 'before the drop 2'])
  const { context, page, requests } = await openViewer(browser, 'red')
  await expect(commentTexts(page)).toHaveText(before)
  // set on this document: still there at the end means no reload
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }))

  await context.setOffline(true)
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'offline')
  // The stream is really cut. Chromium's offline emulation keeps an open fetch stream flowing (events
  // still arrive on it); the client ends it on the window's `offline` event. The server must see it go.
  await expect.poll(openStreams).toBe(0)
  const requestsWhileUp = requests.length

  // comments keep coming from other viewers for the 10 s the network is down, one every 2 s
  const missed: string[] = []
  for (const text of numbered('while away', 5)) {
    missed.push((await postComment('red', text)).text)
    await page.waitForTimeout(2_000)
  }
  await expect(commentTexts(page)).toHaveText(before) // nothing reached the page meanwhile

  await context.setOffline(false)
  await expectLive(page)
  await expect(commentTexts(page)).toHaveText([...before, ...missed])

  const sinceDrop = requests.slice(requestsWhileUp)
  // from the stream: the client resumed the comments topic where it was, no REST read of the comments
  const reconnects = connects(sinceDrop)
  expect(reconnects.length).toBeGreaterThan(0)
  for (const url of reconnects) expect(url).toContain('resume=video%3Ared%3Acomments~')
  expect(commentReads(sinceDrop, 'red')).toEqual([])
  expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)

  // and live comments flow again
  const after = await postComment('red', 'after the return')
  await expect(commentTexts(page)).toHaveText([...before, ...missed, after.text])
  await context.close()
})

test('a late joiner sees the last comments by rewind, without reading them over REST', async ({
  browser,
}) => {
  // more than the page shows: it starts with exactly the last COMMENT_HISTORY
  const posted = await postComments('green', numbered('earlier', COMMENT_HISTORY + 10))

  const { context, page, requests } = await openViewer(browser, 'green')
  await expect(commentTexts(page)).toHaveText(posted.slice(-COMMENT_HISTORY))
  expect(connects(requests)[0]).toContain(`rewind=video%3Agreen%3Acomments~${COMMENT_HISTORY}`)
  // the page read the likes and the crowd (`?comments=false`), never the comments
  expect(requests.filter((url) => new URL(url).pathname === '/api/videos/green').length).toBeGreaterThan(0)
  expect(commentReads(requests, 'green')).toEqual([])

  const live = await postComment('green', 'live after joining')
  await expect(commentTexts(page)).toHaveText([...posted.slice(-COMMENT_HISTORY + 1), live.text])
  await context.close()
})

test('likes stay fire-and-forget: a like’s event on the page’s stream has no position, a comment’s has one', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  // the page's own stream, as Chromium receives it (CDP streams the body of the open fetch)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  const streamIds = new Set<string>()
  let received = ''
  cdp.on('Network.responseReceived', (event) => {
    if (new URL(event.response.url).pathname !== '/realtime/v1/connect') return
    streamIds.add(event.requestId)
    void cdp.send('Network.streamResourceContent', { requestId: event.requestId }).then((buffered) => {
      received += Buffer.from(buffered.bufferedData, 'base64').toString('utf8')
    })
  })
  cdp.on('Network.dataReceived', (event) => {
    if (streamIds.has(event.requestId) && event.data)
      received += Buffer.from(event.data, 'base64').toString('utf8')
  })
  await page.goto(`${server.url}/?v=blue`)
  await expectLive(page)

  await page.getByTestId('like-button').click()
  await page.getByTestId('comment-input').fill('a comment has a position')
  await page.getByTestId('comment-submit').click()

  /** Data frames (no `event:` line) of a topic, each as its `id:` line (or null) and parsed data. */
  const frames = (topic: string) =>
    received
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter((lines) => !lines.some((line) => line.startsWith('event:')))
      .map((lines) => ({
        id:
          lines
            .find((line) => line.startsWith('id:'))
            ?.slice(3)
            .trim() ?? null,
        event: JSON.parse(lines.find((line) => line.startsWith('data:'))?.slice(5) ?? 'null') as {
          topic: string
          pos?: { epoch: string; offset: number }
        } | null,
      }))
      .filter((frame) => frame.event?.topic === topic)

  await expect.poll(() => frames('video:blue:likes').length).toBe(1)
  await expect.poll(() => frames('video:blue:comments').length).toBe(1)
  const [like] = frames('video:blue:likes')
  expect(like?.id).toBeNull()
  expect(like?.event).not.toHaveProperty('pos')
  const [comment] = frames('video:blue:comments')
  expect(comment?.event?.pos).toEqual({ epoch: expect.any(String), offset: 1 })
  expect(comment?.id).toBe(`${comment?.event?.pos?.epoch}:1`)
  await context.close()
})

test('after a server restart (its history and comments lost), the gap makes the page re-read its comments and replace them', async ({
  browser,
}) => {
  const old = await postComments('red', ['from before the restart 1', 'from before the restart 2'])
  const { context, page, requests } = await openViewer(browser, 'red')
  await expect(commentTexts(page)).toHaveText(old)
  const requestsBefore = requests.length

  // a new process on the same port: a new history epoch, and the embedded store starts empty
  await server.restart()
  nodeGuest = null
  const first = await postComment('red', 'first on the new server')
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', {
    timeout: 20_000,
  })
  // the page shows what the backend has now: the old comments are gone, the new one shows once
  await expect(commentTexts(page)).toHaveText([first.text])
  expect(commentReads(requests.slice(requestsBefore), 'red').length).toBeGreaterThan(0)

  const second = await postComment('red', 'second on the new server')
  await expect(commentTexts(page)).toHaveText([first.text, second.text])
  await context.close()
})

test('a viewer away for more comments than the history keeps gets them re-read from the backend; live comments keep flowing meanwhile', async ({
  browser,
}) => {
  const { context, page, requests } = await openViewer(browser, 'blue')
  await postComment('blue', 'seen live')
  await expect(commentTexts(page)).toHaveText(['seen live'])

  // the gap's re-read of the comments is held back until a live comment has shown
  let releaseRead = () => {}
  const readHeld = new Promise<void>((resolve) => {
    void page.route(
      (url) => url.pathname === '/api/videos/blue' && url.searchParams.get('comments') !== 'false',
      async (route) => {
        const response = await route.fetch() // read now, answered later
        resolve()
        await new Promise<void>((release) => {
          releaseRead = release
        })
        await route.fulfill({ response })
      },
    )
  })

  await context.setOffline(true)
  await expect.poll(openStreams).toBe(0)
  const missed = await postComments('blue', numbered('while away', HISTORY_SIZE + 10))
  await context.setOffline(false)
  await expectLive(page)

  await readHeld
  const live = await postComment('blue', 'live while the page re-reads')
  await expect(commentTexts(page).last()).toHaveText(live.text)
  releaseRead()

  // the backend's last COMMENT_HISTORY (as read), with the live comment that came meanwhile: once each, in order
  const expected = [...missed, live.text].slice(-COMMENT_HISTORY)
  await expect(commentTexts(page)).toHaveText(expected)
  expect(commentReads(requests, 'blue')).toHaveLength(1)
  await context.close()
})
