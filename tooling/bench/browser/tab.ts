import type { BrowserContext, Page, Request } from 'playwright-core'

/** What a tab's page is started with (`page/tab.js` reads it from its URL). */
export interface TabConfig {
  /** The Likewire server's URL. */
  url: string
  /** false: `share: false` (a stream per tab); true: the client's default (tabs share one stream). */
  share: boolean
  topics: string[]
}

/** One history event as a tab's callback got it. */
export interface Received {
  offset: number
  /** The dispatcher's `Date.now()` at publish. */
  ts: number
  /** The tab's `Date.now()` at receipt (same clock: one box). */
  at: number
}

/** What `page/tab.js` records, as read back (its history comes in `Tab.history`). */
export interface TabRecord {
  startedAt: number
  visibility: string
  states: Array<[number, string, string]>
  acks: Record<string, number>
  counts: Record<string, number>
  /** 0 until the first event of any topic. */
  firstEventAt: number
  gaps: number
  errors: string[]
  state: [string, string]
}

const isStream = (request: Request) => new URL(request.url()).pathname === '/v1/connect'

/**
 * A browser tab running the client, seen from the driver: its record, its history events (read in
 * increments), and the streams it opened (a shared group's leader is the tab holding one open).
 */
export class Tab {
  /** The streams this tab opened, in order. */
  private readonly streams: Array<{ request: Request; seenAt: number }> = []
  /** Streams of this tab still open: a tab leads while it holds one. */
  openStreams = 0
  crashed = false
  closed = false
  readonly history: Received[] = []
  record: TabRecord | null = null

  private constructor(
    readonly index: number,
    readonly page: Page,
  ) {
    page.on('request', (request) => {
      if (!isStream(request)) return
      this.openStreams++
      this.streams.push({ request, seenAt: Date.now() })
    })
    const ended = (request: Request) => {
      if (isStream(request)) this.openStreams--
    }
    page.on('requestfinished', ended)
    page.on('requestfailed', ended)
    page.on('crash', () => {
      this.crashed = true
    })
  }

  /** Opens a tab in `context` and starts its client (the page loads, then `tab.js` creates it). */
  static async open(context: BrowserContext, pageUrl: string, index: number, config: TabConfig) {
    const page = await context.newPage()
    const tab = new Tab(index, page)
    await page.goto(`${pageUrl}/?config=${encodeURIComponent(JSON.stringify(config))}`)
    return tab
  }

  /**
   * When each stream of this tab started (epoch ms): the browser's own time once its response came (it is
   * not known before), else when the driver heard of the request (a few ms later).
   */
  streamStarts(): number[] {
    return this.streams.map(({ request, seenAt }) => {
      const start = request.timing().startTime
      return start > 0 ? start : seenAt
    })
  }

  get leads(): boolean {
    return this.openStreams > 0 && !this.closed && !this.crashed
  }

  get firstEventAt(): number {
    return this.record?.firstEventAt ?? 0
  }

  /** Reads the record and the history events since the last read; false once the tab is gone. */
  async read(): Promise<boolean> {
    if (this.closed || this.crashed) return false
    // a string, not a function: under tsx every function carries a keepNames helper the page lacks
    const read = await this.page.evaluate(`window.benchRead(${this.history.length})`).catch(() => null)
    if (!read) return false
    const { history, ...record } = read as TabRecord & { history: number[] }
    this.record = record
    for (let i = 0; i + 2 < history.length; i += 3)
      this.history.push({ offset: history[i]!, ts: history[i + 1]!, at: history[i + 2]! })
    return true
  }

  /** The user closes the tab: no `beforeunload`, but the page's `pagehide` runs (the client says bye). */
  async close(): Promise<void> {
    this.closed = true
    await this.page.close({ runBeforeUnload: false }).catch(() => {})
  }

  /** The renderer dies (CDP `Page.crash`): nothing runs in the page any more, the browser frees its locks. */
  async crash(context: BrowserContext): Promise<void> {
    const crashed = new Promise<void>((resolve) => {
      this.page.once('crash', () => resolve())
      setTimeout(resolve, 10_000).unref()
    })
    const cdp = await context.newCDPSession(this.page)
    // never answered: the renderer that would answer is gone
    void cdp.send('Page.crash').catch(() => {})
    await crashed
    if (!this.crashed) throw new Error(`tab ${this.index} did not crash within 10 s of Page.crash`)
  }

  /** Closes what is left of a crashed tab. */
  async discard(): Promise<void> {
    this.closed = true
    await this.page.close().catch(() => {})
  }
}
