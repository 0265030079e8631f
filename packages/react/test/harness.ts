import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { type ClientOptions, createClient, type LikewireClient } from '@likewire/client'
import { createLikewire } from '@likewire/server'
import { cleanup } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, beforeEach, vi } from 'vitest'
import { LikewireProvider } from '../src/LikewireProvider'

export type Likewire = ReturnType<typeof createLikewire>

/** A real Likewire server on an ephemeral port, plus the clients a test made against it. */
export interface Harness {
  lw: Likewire
  url: string
  /**
   * A real client over `globalThis.fetch`, one browser of its own (no tab sharing), with `options` on top;
   * closed by `close()`.
   */
  client(options?: Partial<ClientOptions>): LikewireClient
  /** Cuts every open connection, as a server restart or a network drop does: clients reconnect. */
  cut(): void
  close(): Promise<void>
}

export async function startLikewire(options: Parameters<typeof createLikewire>[0] = {}): Promise<Harness> {
  const lw = createLikewire(options)
  let server: Server | undefined
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: lw.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    ) as Server
  })
  const url = `http://127.0.0.1:${port}`
  const clients: LikewireClient[] = []
  return {
    lw,
    url,
    client(options = {}) {
      // jsdom has a document and Node a BroadcastChannel: without share: false two clients would be two tabs of one stream
      const client = createClient({ url, fetch: globalThis.fetch, share: false, ...options })
      clients.push(client)
      return client
    },
    cut() {
      server?.closeAllConnections()
    },
    async close() {
      for (const client of clients) client.close()
      await lw.close()
      // SSE streams never end by themselves; cut what is left so close() resolves
      server?.closeAllConnections()
      await new Promise<void>((resolve) => server?.close(() => resolve()))
    },
  }
}

/** Counts the subscriptions each topic has open on `client`, through a spy on `client.subscribe`. */
export function trackSubscriptions(client: LikewireClient) {
  const live = new Map<string, number>()
  const subscribe = client.subscribe.bind(client)
  const spy = vi.spyOn(client, 'subscribe').mockImplementation(((topic, callback, options) => {
    live.set(topic, (live.get(topic) ?? 0) + 1)
    const unsubscribe = subscribe(topic, callback, options)
    let open = true
    return () => {
      if (open) live.set(topic, (live.get(topic) ?? 0) - 1)
      open = false
      unsubscribe()
    }
  }) as LikewireClient['subscribe'])
  return {
    /** Calls of `client.subscribe` for `topic` (or for any topic). */
    calls: (topic?: string) => spy.mock.calls.filter(([t]) => topic === undefined || t === topic).length,
    /** Subscriptions on `topic` not yet unsubscribed. */
    live: (topic: string) => live.get(topic) ?? 0,
  }
}

/**
 * Publishes on `topic` until `check` passes: a subscribe is acknowledged asynchronously, and only
 * events published after that reach the subscriber.
 */
export async function publishUntil(lw: Likewire, topic: string, data: unknown, check: () => void) {
  await vi.waitFor(
    async () => {
      await lw.publish(topic, data)
      check()
    },
    { timeout: 10_000, interval: 100 },
  )
}

let topicCounter = 0
/** A topic no other test uses. */
export const uniqueTopic = (name: string) => `test:${name}:${Date.now()}:${++topicCounter}`

/** Per test: a real server and a real client, handed to `use`; rendered trees and both closed after it. */
export function withLiveServer(
  use: (harness: Harness, client: LikewireClient) => void,
  options: Parameters<typeof createLikewire>[0] = {},
): void {
  let harness: Harness | undefined
  beforeEach(async () => {
    harness = await startLikewire(options)
    use(harness, harness.client())
  })
  afterEach(async () => {
    cleanup()
    await harness?.close()
  })
}

/** A `renderHook` wrapper providing the current test's client. */
export function providerFor(client: () => LikewireClient) {
  return ({ children }: { children: ReactNode }) =>
    createElement(LikewireProvider, { client: client() }, children)
}
