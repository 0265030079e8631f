import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import { MemoryRegistry } from '../registry/memory-registry'
import { Frontend } from './frontend'
import type { ConnectionSink } from './sink'
import { expireTokens } from './token-expiry'

// about time: fake timeouts and clock move past each token's expiry (setImmediate stays real: the registry sync)
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

function sink() {
  const written: string[] = []
  let ended = false
  let onClose = () => {}
  const s: ConnectionSink & { written: string[]; ended(): boolean } = {
    written,
    write: (frames) => written.push(Buffer.concat(frames as Buffer[]).toString()),
    bufferedBytes: () => 0,
    end: () => {
      ended = true
      onClose()
    },
    destroy: () => onClose(),
    onClose: (listener) => {
      onClose = listener
    },
    ended: () => ended,
  }
  return s
}

function setup() {
  const logged: Array<{ msg: string; connectionId?: string }> = []
  const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) })
  const metrics = createMetrics({ defaultMetrics: false })
  const frontend = new Frontend(
    {
      nodeId: 'n1',
      heartbeatMs: 600_000,
      retryMs: 1000,
      maxBufferedBytes: 10_000,
      maxConnections: 10,
      maxSubscriptionsPerConnection: 5,
      flushWindowMs: 0,
      maxFlushWindowMs: 100,
    },
    new MemoryRegistry(),
    metrics,
    logger,
  )
  const wheel = expireTokens(frontend, (identity) => (identity as { expiresAt?: number }).expiresAt, logger)
  const open = async (expiresAt?: number) => {
    const s = sink()
    const connection = await frontend.open(s, { expiresAt }, ['t'])
    connection.start(frontend.preamble(connection))
    return { s, connection }
  }
  return { frontend, wheel, metrics, open, logged }
}

describe('expireTokens', () => {
  it('ends a stream at its expiry with the token_expired hint, and only it', async () => {
    const { frontend, wheel, metrics, open } = setup()
    const now = Date.now()
    const soon = await open(now + 2000)
    const later = await open(now + 60_000)
    const never = await open()
    expect(wheel.size).toBe(2)
    vi.advanceTimersByTime(2100)
    expect(soon.s.written.at(-1)).toBe(
      'retry: 0\n\nevent: likewire.reconnect\ndata: {"reason":"token_expired","delayMs":0}\n\n',
    )
    expect(soon.s.ended()).toBe(true)
    expect(later.s.ended() || never.s.ended()).toBe(false)
    expect(frontend.connectionCount).toBe(2)
    expect(wheel.size).toBe(1)
    const counted = (await metrics.registry.getSingleMetric('likewire_disconnects_total')?.get())?.values
    expect(counted).toEqual([expect.objectContaining({ labels: { reason: 'token_expired' }, value: 1 })])
    frontend.drain(0)
  })

  it('a stream whose hint cannot be written is ended all the same, logged; the others of its second too', async () => {
    const { frontend, wheel, open, logged } = setup()
    const at = Date.now() + 1000
    const broken = await open(at)
    const fine = await open(at)
    broken.s.write = () => {
      throw new Error('socket gone')
    }
    expect(() => vi.advanceTimersByTime(1100)).not.toThrow()
    expect(broken.connection.closed && fine.connection.closed).toBe(true)
    expect(fine.s.ended()).toBe(true)
    expect(frontend.connectionCount).toBe(0)
    expect(wheel.size).toBe(0)
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'ending a stream at token expiry failed',
        connectionId: broken.connection.id,
      }),
    ])
  })

  it('forgets a stream that ended first: nothing is left to expire', async () => {
    const { frontend, wheel, open } = setup()
    const { connection } = await open(Date.now() + 5000)
    frontend.remove(connection, 'client_closed')
    expect(wheel.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0) // the wheel's timer went with its last stream
    frontend.drain(0)
  })
})
