import { type Browser, expect, type Page } from '@playwright/test'

export const formatCount = (n: number) => new Intl.NumberFormat('en-US').format(n)

/** Opens the demo on a video in its own browser context (its own connection), once it is live. */
export async function openVideo(browser: Browser, baseUrl: string, videoId: string): Promise<Page> {
  const context = await browser.newContext()
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
