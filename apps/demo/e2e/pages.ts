import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test'
import type { Comment, GuestSession } from '../src/shared/api'

export const formatCount = (n: number) => new Intl.NumberFormat('en-US').format(n)

/** A guest made by the demo backend from Node, as a browser's first visit makes one. */
export async function makeGuest(baseUrl: string, name?: string): Promise<GuestSession> {
  const response = await fetch(`${baseUrl}/api/guest`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(name === undefined ? {} : { name }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as GuestSession
}

/** POSTs a comment as `guest` from Node, as another viewer would (not through a page). */
export async function postCommentAs(
  baseUrl: string,
  guest: GuestSession,
  videoId: string,
  text: string,
): Promise<Comment> {
  const response = await fetch(`${baseUrl}/api/videos/${videoId}/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${guest.token}` },
    body: JSON.stringify({ text }),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { comment: Comment }).comment
}

/**
 * A browser context (a browser of its own: its own guest and stream). With `name`, it is a returning
 * visitor whose guest (made here, so the test knows its id) is already in its localStorage.
 */
export async function newViewer(
  browser: Browser,
  baseUrl: string,
  options: { name?: string; reducedMotion?: boolean } = {},
): Promise<{ context: BrowserContext; guest: GuestSession | null }> {
  const context = await browser.newContext(options.reducedMotion ? { reducedMotion: 'reduce' } : {})
  if (options.name === undefined) return { context, guest: null }
  const guest = await makeGuest(baseUrl, options.name)
  const saved = JSON.stringify({ id: guest.guest.id, key: guest.key, name: guest.guest.name })
  await context.addInitScript((value) => {
    // only the first page of the context: a guest renamed later by the page stays renamed on reload
    if (!localStorage.getItem('likewire-demo:guest')) localStorage.setItem('likewire-demo:guest', value)
  }, saved)
  return { context, guest }
}

/** Opens the demo on a video in its own browser context (its own connection), once it is live. */
export async function openVideo(
  browser: Browser,
  baseUrl: string,
  videoId: string,
  options: { name?: string; reducedMotion?: boolean } = {},
): Promise<Page> {
  const { context } = await newViewer(browser, baseUrl, options)
  const page = await context.newPage()
  await page.goto(`${baseUrl}/?v=${videoId}`)
  await expectLive(page)
  return page
}

/** Connected, and subscribed: the viewer count (of this video's likes topic) counts this page. */
export async function expectLive(page: Page): Promise<void> {
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected')
  await expect(page.getByTestId('viewer-count')).toHaveText(/^[1-9]\d*$/)
}

export async function readCount(page: Page, testId: 'like-count' | 'viewer-count'): Promise<number> {
  const text = (await page.getByTestId(testId).textContent()) ?? ''
  return Number(text.replace(/\D/g, ''))
}

export async function closePage(page: Page): Promise<void> {
  await page.context().close()
}
