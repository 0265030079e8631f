import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import type { BrowserContext, Page } from '@playwright/test'

/** What a tab saw, as recorded in its page (`window.tab`). */
export interface TabRecord {
  /** Every event any of its subscriptions got, in the order they came. */
  events: Array<{ topic: string; data: unknown }>
  /** Every state change of its client. */
  states: Array<{ status: string; reason: string | null; connectionId: string | null; at: number }>
  /** What the client passed to onError. */
  errors: string[]
}

/** A Likewire server for tabs on the pages' origin: history on `chat:*`, a token required at connect. */
export async function startServer(pagesUrl: string): Promise<{ lw: Likewire; listening: Listening }> {
  const lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    history: [{ match: 'chat:*', size: 1000 }],
    authenticate: (request) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '')
      return token?.startsWith('user-') ? { user: token } : null
    },
    cors: { origins: [pagesUrl] },
  })
  const listening = await listen(lw, { port: 0 })
  return { lw, listening }
}

const metric = async (lw: Likewire, name: string) =>
  Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await lw.metrics.metrics())?.[1] ?? Number.NaN)

/** Streams the server holds now. */
export const streams = (lw: Likewire) => metric(lw, 'likewire_connections')

/** Streams the server has accepted so far. */
export const streamsOpened = (lw: Likewire) => metric(lw, 'likewire_connections_opened_total')

/** Records which page opened each stream (GET .../v1/connect) in a context: the leader tab of the moment. */
export function watchStreams(context: BrowserContext): Page[] {
  const openers: Page[] = []
  context.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('/v1/connect')) openers.push(request.frame().page())
  })
  return openers
}

/**
 * Opens a tab in `context` running @likewire/client with its defaults (a shared stream), sending
 * `Authorization: Bearer <token>`, subscribed to `topics`; resolves once every topic is acknowledged.
 */
export async function openTab(
  context: BrowserContext,
  pagesUrl: string,
  serverUrl: string,
  topics: readonly string[],
  token = 'user-ann',
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${pagesUrl}/`)
  await page.evaluate(
    async ({ url, topics, token }) => {
      const { createClient } = await import('/client.js' as string)
      const tab = { events: [], states: [], errors: [] } as unknown as TabRecord & {
        subscribe(topic: string): Promise<void>
      }
      ;(window as unknown as { tab: typeof tab }).tab = tab
      const client = createClient({
        url,
        backoff: { baseMs: 50, maxMs: 500 },
        getHeaders: () => ({ Authorization: `Bearer ${token}` }),
        onError: (error: unknown) => tab.errors.push(String(error)),
      })
      client.onStateChange(
        ({
          newState,
        }: {
          newState: { status: string; reason: string | null; connectionId: string | null }
        }) =>
          tab.states.push({
            status: newState.status,
            reason: newState.reason,
            connectionId: newState.connectionId,
            at: Date.now(),
          }),
      )
      tab.subscribe = (topic: string) =>
        new Promise<void>((resolve) =>
          client.subscribe(
            topic,
            (e: { topic: string; data: unknown }) => tab.events.push({ topic: e.topic, data: e.data }),
            {
              onSubscribed: resolve,
            },
          ),
        )
      await Promise.all(topics.map((topic) => tab.subscribe(topic)))
    },
    { url: serverUrl, topics, token },
  )
  return page
}

/** What the tab recorded so far. */
export function record(page: Page): Promise<TabRecord> {
  return page.evaluate(() => {
    const { events, states, errors } = (window as unknown as { tab: TabRecord }).tab
    return { events, states, errors }
  })
}

/** The data of the events the tab got on `topic`, in order. */
export async function dataOf(page: Page, topic: string): Promise<unknown[]> {
  return (await record(page)).events.filter((e) => e.topic === topic).map((e) => e.data)
}

/** The tab's current state. */
export async function stateOf(page: Page): Promise<TabRecord['states'][number] | undefined> {
  return (await record(page)).states.at(-1)
}

/** Subscribes the tab to one more topic; resolves once it is acknowledged. */
export function subscribe(page: Page, topic: string): Promise<void> {
  return page.evaluate(
    (topic) => (window as unknown as { tab: { subscribe(t: string): Promise<void> } }).tab.subscribe(topic),
    topic,
  )
}

/** Publishes 1, 2, 3, ... on `topic` one after another until stopped; `count()` is how many were published. */
export function publishLoop(lw: Likewire, topic: string, pauseMs = 10) {
  let n = 0
  let running = true
  const done = (async () => {
    while (running) {
      await lw.publish(topic, n + 1)
      n += 1
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  })()
  return {
    count: () => n,
    async stop(): Promise<number> {
      running = false
      await done
      return n
    },
  }
}

/** 1..n */
export const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
