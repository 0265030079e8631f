import { type Browser, expect, type Page, test } from '@playwright/test'
import { DemoServer } from './demo-server'
import { closePage, expectLive, newViewer } from './pages'

// Every browser is a guest (a signed member id and a name from the demo backend): the player says who is
// watching (Likewire's topic members) and each comment shows its commenter's presence dot. The server
// runs with a presence grace of 2 s, so a guest who leaves turns offline within seconds, not a minute.
const GRACE_MS = 2_000
let server: DemoServer

test.beforeAll(async () => {
  server = await DemoServer.start(0, { PRESENCE_GRACE_MS: String(GRACE_MS) })
})

test.afterAll(async () => {
  await server?.stop()
})

/** A browser of its own whose guest is `name`, on `videoId`, live. */
async function guestPage(name: string, videoId: string, browser: Browser) {
  const { context, guest } = await newViewer(browser, server.url, { name, reducedMotion: true })
  const page = await context.newPage()
  await page.goto(`${server.url}/?v=${videoId}`)
  await expectLive(page)
  return { page, id: guest?.guest.id ?? '' }
}

async function comment(page: Page, text: string): Promise<void> {
  await page.getByTestId('comment-input').fill(text)
  await page.getByTestId('comment-submit').click()
  await expect(page.getByTestId('comment-input')).toHaveValue('')
}

test('two guests on a video: each sees the other in the watching line; a comment shows its commenter’s dot, green until the grace after they left', async ({
  browser,
}) => {
  const ana = await guestPage('Ana', 'red', browser)
  const ben = await guestPage('Ben', 'red', browser)
  await expect(ana.page.getByTestId('watching')).toHaveText('Ben watching')
  await expect(ben.page.getByTestId('watching')).toHaveText('Ana watching')
  await expect(ana.page.getByTestId('watching')).toHaveAttribute('data-count', '2')

  await comment(ben.page, 'hello from Ben')
  const bensComment = ana.page.getByTestId('comment').filter({ hasText: 'hello from Ben' })
  await expect(bensComment).toHaveAttribute('data-member-id', ben.id)
  await expect(bensComment.getByTestId('comment-author')).toHaveText('Ben')
  const dot = bensComment.getByTestId('presence-dot')
  await expect(dot).toHaveAttribute('data-status', 'online')
  // and Ben sees his own comment with his own dot, green
  const own = ben.page.getByTestId('comment').filter({ hasText: 'hello from Ben' })
  await expect(own.getByTestId('presence-dot')).toHaveAttribute('data-status', 'online')

  // Ben's only tab closes: his dot stays green for the grace (seconds), then turns grey
  await closePage(ben.page)
  expect(await dot.getAttribute('data-status')).toBe('online')
  await expect(dot).toHaveAttribute('data-status', 'offline')
  await expect(ana.page.getByTestId('watching')).toHaveText('Just you watching')
  await expect(ana.page.getByTestId('watching')).toHaveAttribute('data-count', '1')
  await closePage(ana.page)
})

test('the watching line counts guests as they come and go: names, then “and 1 other”', async ({
  browser,
}) => {
  const ana = await guestPage('Ana', 'green', browser)
  await expect(ana.page.getByTestId('watching')).toHaveText('Just you watching')
  const ben = await guestPage('Ben', 'green', browser)
  await expect(ana.page.getByTestId('watching')).toHaveText('Ben watching')
  const cy = await guestPage('Cy', 'green', browser)
  // oldest first, the viewer left out: each sees the two others by name
  await expect(ana.page.getByTestId('watching')).toHaveText('Ben and Cy watching')
  await expect(cy.page.getByTestId('watching')).toHaveText('Ana and Ben watching')
  const dee = await guestPage('Dee', 'green', browser)
  await expect(ana.page.getByTestId('watching')).toHaveText('Ben, Cy and 1 other watching')
  await expect(dee.page.getByTestId('watching')).toHaveText('Ana, Ben and 1 other watching')
  await expect(ana.page.getByTestId('watching')).toHaveAttribute('data-count', '4')
  // a viewer of another video is no member of this one
  const elsewhere = await guestPage('Eve', 'blue', browser)
  await expect(elsewhere.page.getByTestId('watching')).toHaveText('Just you watching')
  await expect(ana.page.getByTestId('watching')).toHaveAttribute('data-count', '4')

  await closePage(ben.page)
  await expect(ana.page.getByTestId('watching')).toHaveText('Cy and Dee watching')
  await expect(ana.page.getByTestId('watching')).toHaveAttribute('data-count', '3')
  for (const page of [ana.page, cy.page, dee.page, elsewhere.page]) await closePage(page)
})

test('a browser stays one guest: a reload keeps its member id, and a new name shows on its next comment', async ({
  browser,
}) => {
  const ana = await guestPage('Ana', 'blue', browser)
  const ben = await guestPage('Ben', 'blue', browser)
  await comment(ben.page, 'before the reload')
  await ben.page.reload()
  await expectLive(ben.page)
  await ben.page.getByTestId('author-input').fill('Benjamin')
  await comment(ben.page, 'after the reload')
  const comments = ana.page.getByTestId('comment')
  await expect(comments.filter({ hasText: 'after the reload' })).toHaveAttribute('data-member-id', ben.id)
  await expect(comments.filter({ hasText: 'before the reload' })).toHaveAttribute('data-member-id', ben.id)
  await expect(comments.filter({ hasText: 'after the reload' }).getByTestId('comment-author')).toHaveText(
    'Benjamin',
  )
  // the comment from before keeps the name it was posted with
  await expect(comments.filter({ hasText: 'before the reload' }).getByTestId('comment-author')).toHaveText(
    'Ben',
  )
  // one commenter, one dot state: both of Ben's comments show him online
  await expect(comments.filter({ hasText: 'after the reload' }).getByTestId('presence-dot')).toHaveAttribute(
    'data-status',
    'online',
  )
  for (const page of [ana.page, ben.page]) await closePage(page)
})
