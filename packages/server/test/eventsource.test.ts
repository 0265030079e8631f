import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

let server: Running
let source: EventSource | undefined
afterEach(async () => {
  source?.close()
  await server?.close()
})

describe('a plain spec-compliant EventSource client', () => {
  it('receives published events in onmessage and never sees control frames there', async () => {
    server = await startLikewire({ heartbeatMs: 100 })
    source = new EventSource(`${server.url}/v1/connect?topics=live:42:likes`)
    const messages: MessageEvent[] = []
    const connected: MessageEvent[] = []
    const heartbeats: MessageEvent[] = []
    source.onmessage = (event) => messages.push(event)
    source.addEventListener('likewire.connected', (event) => connected.push(event))
    source.addEventListener('likewire.heartbeat', (event) => heartbeats.push(event))
    await vi.waitFor(() => expect(connected).toHaveLength(1))
    await vi.waitFor(() => expect(heartbeats.length).toBeGreaterThan(0))
    const { id } = await server.lw.publish('live:42:likes', { user: 'a', n: 1 })
    await server.lw.publish('live:43:likes', { user: 'b' })
    await server.lw.publish('live:42:likes', { user: 'c', n: 2 })
    await vi.waitFor(() => expect(messages).toHaveLength(2))
    // fire-and-forget events carry no SSE id: lastEventId is kept for history positions
    expect(messages[0]!.lastEventId).toBe('')
    expect(JSON.parse(messages[0]!.data)).toMatchObject({
      topic: 'live:42:likes',
      id,
      data: { user: 'a', n: 1 },
    })
    expect(JSON.parse(messages[1]!.data).data).toEqual({ user: 'c', n: 2 })
  })

  it('reconnects by itself after a graceful close, honouring the retry hint', async () => {
    server = await startLikewire({ drainJitterMs: 0 })
    const url = server.url
    source = new EventSource(`${url}/v1/connect?topics=t`)
    const opened: number[] = []
    const reconnects: MessageEvent[] = []
    source.onopen = () => opened.push(Date.now())
    source.addEventListener('likewire.reconnect', (event) => reconnects.push(event))
    await vi.waitFor(() => expect(opened).toHaveLength(1))
    await server.lw.close()
    await vi.waitFor(() => expect(reconnects).toHaveLength(1))
    expect(JSON.parse(reconnects[0]!.data)).toEqual({ reason: 'shutdown', delayMs: 0 })
  })
})
