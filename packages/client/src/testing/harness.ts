// Shared setup for client tests: a real client over a fake fetch, fake online source and recorders.
import { vi } from 'vitest'
import type { LikewireClient } from '../client'
import { createClient } from '../create-client'
import type { LikewireEvent } from '../event'
import type { OnlineSource } from '../online'
import type { ClientOptions } from '../options'
import type { StateChange } from '../state'
import { createFakeFetch } from './fake-fetch'

export const frame = {
  retry: (ms: number | string) => `retry: ${ms}\n\n`,
  connected: (connectionId = 'conn-1', heartbeatMs = 15_000) =>
    `event: likewire.connected\ndata: ${JSON.stringify({ connectionId, nodeId: 'node-1', heartbeatMs })}\n\n`,
  heartbeat: () => `event: likewire.heartbeat\ndata: {"t":1}\n\n`,
  reconnect: (delayMs: number) =>
    `event: likewire.reconnect\ndata: ${JSON.stringify({ reason: 'shutdown', delayMs })}\n\n`,
  data: (topic: string, id: string, data: unknown = {}) =>
    `id: ${id}\ndata: ${JSON.stringify({ topic, id, ts: 1, data })}\n\n`,
  /** A history topic's event at `epoch:offset` (id `<epoch>-<offset>` unless given). */
  positioned: (
    topic: string,
    epoch: string,
    offset: number,
    data: unknown = offset,
    id = `${epoch}-${offset}`,
  ) =>
    `id: ${epoch}:${offset}\ndata: ${JSON.stringify({ topic, id, ts: 1, pos: { epoch, offset }, data })}\n\n`,
  gap: (topic: string, reason: string, epoch: string, offset: number) =>
    `event: likewire.gap\ndata: ${JSON.stringify({ topic, reason, epoch, offset })}\n\n`,
}

/** Fake only setTimeout/clearTimeout/Date, so setImmediate still drains real stream promises. */
export function useFakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(1_000_000)
}

/** Lets pending promises and stream reads run (a few real macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export function fakeOnline(initial = true) {
  let online = initial
  const listeners = new Set<(online: boolean) => void>()
  const source: OnlineSource = {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    source,
    listeners,
    set(value: boolean) {
      online = value
      for (const listener of [...listeners]) listener(value)
    },
  }
}

export function setup(options: Partial<ClientOptions> = {}) {
  const server = createFakeFetch()
  const online = fakeOnline()
  const errors: unknown[] = []
  const client: LikewireClient = createClient({
    url: 'http://rt.test/realtime',
    fetch: server.fetch,
    onlineSource: online.source,
    random: () => 0.5,
    onError: (error) => errors.push(error),
    ...options,
  })
  const changes: StateChange[] = []
  client.onStateChange((change) => changes.push(change))
  return { client, server, online, errors, changes }
}

/** Subscribes and records what the callback receives. */
export function record(client: LikewireClient, topic: string) {
  const received: LikewireEvent[] = []
  const unsubscribe = client.subscribe(topic, (event) => received.push(event))
  return { received, unsubscribe }
}

/** Topics of a connect URL's `topics=` parameter. */
export function urlTopics(url: string): string[] {
  const value = new URL(url).searchParams.get('topics')
  return value ? value.split(',') : []
}
