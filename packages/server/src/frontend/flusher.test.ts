import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Connection } from './connection'
import { AdaptiveCadence, flushCadence } from './flush-cadence'
import { FLUSH_SLOTS, Flusher } from './flusher'
import type { ConnectionSink } from './sink'

const WRITE_MS = 20

/**
 * A connection whose every write costs WRITE_MS on `clock` (fake timers do not move while code runs):
 * what a saturated node's socket writes look like to the Flusher.
 */
function slowConnection(clock: { spent: number }) {
  const writes: Array<{ at: number; frames: number }> = []
  const sink: ConnectionSink = {
    write: (frames) => {
      writes.push({ at: performance.now() + clock.spent, frames: frames.length })
      clock.spent += WRITE_MS
    },
    bufferedBytes: () => 0,
    end: () => {},
    destroy: () => {},
    onClose: () => {},
  }
  const connection = new Connection('c1', null, sink)
  connection.start(Buffer.from('\n'))
  writes.length = 0
  return { connection, writes }
}

/**
 * `n` connections whose writes are recorded with the time of `clock` (the fake clock plus what writes
 * spent): each write costs `writeMs`, so a turn of many writes makes the next one late.
 */
function recordedConnections(n: number, writeMs = 0, clock = { spent: 0 }) {
  const writes: Array<{ connection: number; at: number; frames: number }> = []
  const connections = Array.from({ length: n }, (_, i) => {
    const sink: ConnectionSink = {
      write: (frames) => {
        writes.push({ connection: i, at: performance.now() + clock.spent, frames: frames.length })
        clock.spent += writeMs
      },
      bufferedBytes: () => 0,
      end: () => {},
      destroy: () => {},
      onClose: () => {},
    }
    const connection = new Connection(`c${i}`, null, sink)
    connection.start(Buffer.from('\n'))
    return connection
  })
  writes.length = 0
  return { connections, writes }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Flusher', () => {
  it('under saturation writes a connection at most once per window, each write carrying the window (4 flushes while merging)', async () => {
    const clock = { spent: 0 }
    const now = () => performance.now() + clock.spent
    const { connection, writes } = slowConnection(clock)
    const flusher = new Flusher(new AdaptiveCadence(100, () => 1), undefined, now)
    const frame = Buffer.from('data: x\n\n')
    // a frame every 5 ms for 3 s, the loop saturated
    for (let i = 0; i < 600; i++) {
      connection.enqueue(frame, 1e6)
      flusher.mark(connection)
      await vi.advanceTimersByTimeAsync(5)
    }
    await vi.advanceTimersByTimeAsync(200)
    expect(writes.reduce((sum, w) => sum + w.frames, 0)).toBe(600)
    // settled: writes merge frames, so the window is four flushes (80 ms) between the starts of two writes
    const late = writes.filter((w) => w.at >= 2_000)
    expect(late.length).toBeGreaterThan(20)
    for (let i = 1; i < late.length; i++) expect(late[i]!.at - late[i - 1]!.at).toBeGreaterThanOrEqual(79.9)
    // 20 ms of the window go to the write itself: the other 60 bring 12 frames, all in the next write
    expect(late.slice(0, -1).every((w) => w.frames === 12)).toBe(true)
  })

  it('with a fixed window of 0 writes every tick that has frames', async () => {
    const clock = { spent: 0 }
    const { connection, writes } = slowConnection(clock)
    const flusher = new Flusher(flushCadence(0, 100), undefined, () => performance.now() + clock.spent)
    for (let i = 0; i < 50; i++) {
      connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
      flusher.mark(connection)
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(writes).toHaveLength(50)
  })

  it('sends the first frame after a quiet spell in its tick, however saturated the loop was', async () => {
    const clock = { spent: 0 }
    const { connection, writes } = slowConnection(clock)
    let busy = 1
    const cadence = new AdaptiveCadence(100, () => busy)
    const flusher = new Flusher(cadence, undefined, () => performance.now() + clock.spent)
    for (let i = 0; i < 400; i++) {
      connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
      flusher.mark(connection)
      await vi.advanceTimersByTimeAsync(5)
    }
    await vi.advanceTimersByTimeAsync(200)
    expect(cadence.windowMs).toBeGreaterThan(30)
    const before = writes.length
    busy = 0.01
    await vi.advanceTimersByTimeAsync(1_000)
    connection.enqueue(Buffer.from('data: y\n\n'), 1e6)
    flusher.mark(connection)
    await vi.advanceTimersByTimeAsync(0)
    expect(writes).toHaveLength(before + 1)
    // that flush saw the idle second: the window is back to 0, the next frame leaves in its tick too
    expect(cadence.windowMs).toBe(0)
    connection.enqueue(Buffer.from('data: z\n\n'), 1e6)
    flusher.mark(connection)
    await vi.advanceTimersByTimeAsync(0)
    expect(writes).toHaveLength(before + 2)
  })

  it('lets the connections of one flush share the bytes of the same frames, never across flushes', async () => {
    const written: Buffer[] = []
    const connections = [1, 2, 3].map((n) => {
      const sink: ConnectionSink = {
        // the preamble is written alone, outside any flush
        write: (frames, bytes, shared) => written.push(shared ? shared.chunked(frames, bytes) : frames[0]!),
        bufferedBytes: () => 0,
        end: () => {},
        destroy: () => {},
        onClose: () => {},
      }
      const connection = new Connection(`c${n}`, null, sink)
      connection.start(Buffer.from('\n'))
      return connection
    })
    written.length = 0
    const flusher = new Flusher(flushCadence(0, 100))
    const broadcast = (frame: Buffer) => {
      for (const connection of connections) {
        connection.enqueue(frame, 1e6)
        flusher.mark(connection)
      }
    }
    const frame = Buffer.from('data: x\n\n')
    broadcast(frame)
    await vi.advanceTimersByTimeAsync(0)
    broadcast(frame)
    await vi.advanceTimersByTimeAsync(0)
    expect(written).toHaveLength(6)
    expect(written[1]).toBe(written[0])
    expect(written[2]).toBe(written[0])
    expect(written[3]).not.toBe(written[0]) // the next flush builds its own
    expect(written[3]).toEqual(written[0])
  })

  it('tells each flush its duration', async () => {
    const clock = { spent: 0 }
    const { connection } = slowConnection(clock)
    const durations: number[] = []
    const flusher = new Flusher(
      flushCadence(0, 100),
      (ms) => durations.push(ms),
      () => performance.now() + clock.spent,
    )
    connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
    flusher.mark(connection)
    await vi.advanceTimersByTimeAsync(0)
    expect(durations).toEqual([WRITE_MS])
  })
  it('spreads a window over its turns while writes merge frames, each connection still once per window', async () => {
    const { connections, writes } = recordedConnections(4 * FLUSH_SLOTS)
    const flusher = new Flusher(flushCadence(80, 100))
    const frame = Buffer.from('data: x\n\n')
    // a frame to everyone every 5 ms for 2 s: 16 per window, so writes merge
    for (let i = 0; i < 400; i++) {
      for (const connection of connections) {
        connection.enqueue(frame, 1e6)
        flusher.mark(connection)
      }
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(flusher.spread).toBe(true)
    await vi.advanceTimersByTimeAsync(200)
    expect(writes.reduce((sum, w) => sum + w.frames, 0)).toBe(400 * connections.length)
    const late = writes.filter((w) => w.at >= 1_000 && w.at < 2_000)
    // the writes of a second leave at many moments, a few connections at a time, not in 12 bursts of all
    expect(new Set(late.map((w) => w.at)).size).toBeGreaterThanOrEqual(FLUSH_SLOTS * 10)
    for (const at of new Set(late.map((w) => w.at))) {
      expect(late.filter((w) => w.at === at).length).toBeLessThanOrEqual(connections.length / 2)
    }
    for (let c = 0; c < connections.length; c++) {
      const own = late.filter((w) => w.connection === c)
      for (let i = 1; i < own.length; i++) expect(own[i]!.at - own[i - 1]!.at).toBeGreaterThanOrEqual(80)
    }
  })

  it('writes every connection in one flush while each write carries one frame, the moment the window allows', async () => {
    const { connections, writes } = recordedConnections(4 * FLUSH_SLOTS)
    const flusher = new Flusher(flushCadence(80, 100))
    const frame = Buffer.from('data: x\n\n')
    // a frame to everyone every 100 ms: further apart than the window, nothing merges
    for (let i = 0; i < 20; i++) {
      const sentAt = performance.now()
      for (const connection of connections) {
        connection.enqueue(frame, 1e6)
        flusher.mark(connection)
      }
      await vi.advanceTimersByTimeAsync(0)
      // all of them, in the tick the frame came (the window since the last flush is over)
      expect(writes.filter((w) => w.at === sentAt)).toHaveLength(connections.length)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(flusher.spread).toBe(false)
    expect(writes.every((w) => w.frames === 1)).toBe(true)
  })

  it('sends what a spread window holds at once after a quiet spell, then spreads again', async () => {
    const { connections, writes } = recordedConnections(2 * FLUSH_SLOTS)
    const flusher = new Flusher(flushCadence(80, 100))
    const broadcast = () => {
      for (const connection of connections) {
        connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
        flusher.mark(connection)
      }
    }
    for (let i = 0; i < 200; i++) {
      broadcast()
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(flusher.spread).toBe(true)
    await vi.advanceTimersByTimeAsync(1_000)
    const before = writes.length
    const sentAt = performance.now()
    broadcast()
    await vi.advanceTimersByTimeAsync(0)
    expect(writes.slice(before).filter((w) => w.at === sentAt)).toHaveLength(connections.length)
    for (let i = 0; i < 100; i++) {
      broadcast()
      await vi.advanceTimersByTimeAsync(5)
    }
    const again = writes.filter((w) => w.at > sentAt + 200)
    expect(new Set(again.map((w) => w.at)).size).toBeGreaterThanOrEqual(FLUSH_SLOTS * 2)
  })

  it('never writes a connection twice within a window when turns run late, and falls back to one flush', async () => {
    const clock = { spent: 0 }
    const now = () => performance.now() + clock.spent
    const { connections, writes } = recordedConnections(8 * FLUSH_SLOTS, 0, clock)
    const flusher = new Flusher(flushCadence(80, 100), undefined, now)
    const broadcast = () => {
      for (const connection of connections) {
        connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
        flusher.mark(connection)
      }
    }
    for (let i = 0; i < 300; i++) {
      broadcast()
      // a loop busy elsewhere now and then: every fifth look at the timers comes 7 ms late
      clock.spent += i % 5 === 0 ? 7 : 0
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(flusher.spread).toBe(true)
    // ~1.9 s of 80 ms windows is 24 windows: written at far more moments than one burst per window
    const spreadEnd = now()
    expect(new Set(writes.map((w) => w.at)).size).toBeGreaterThan(100)
    // then a frame every 150 ms: writes stop merging, the flusher goes back to writing everyone at once
    for (let i = 0; i < 30; i++) {
      broadcast()
      await vi.advanceTimersByTimeAsync(150)
    }
    expect(flusher.spread).toBe(false)
    for (let c = 0; c < connections.length; c++) {
      const own = writes.filter((w) => w.connection === c)
      expect(own.length).toBeGreaterThan(30)
      for (let i = 1; i < own.length; i++) expect(own[i]!.at - own[i - 1]!.at).toBeGreaterThanOrEqual(80)
    }
    expect(writes.reduce((sum, w) => sum + w.frames, 0)).toBe(330 * connections.length)
    // not spread any more: the last writes went out together, one moment per frame
    const last = writes.filter((w) => w.at > spreadEnd + 1_500)
    expect(last.length).toBeGreaterThan(0)
    expect(new Set(last.map((w) => w.at)).size * connections.length).toBe(last.length)
  })

  it('counts the frames of one fan-out as one arrival: two topics in one batch do not spread', async () => {
    const { connections } = recordedConnections(FLUSH_SLOTS)
    const flusher = new Flusher(flushCadence(80, 100))
    for (let batch = 1; batch <= 40; batch++) {
      for (const connection of connections) {
        connection.enqueue(Buffer.from('data: a\n\n'), 1e6, batch)
        connection.enqueue(Buffer.from('data: b\n\n'), 1e6, batch)
        flusher.mark(connection)
      }
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(flusher.spread).toBe(false)
  })

  it('holds frames a window at most when the clock goes back (fake timers installed after real flushes)', async () => {
    let clock = 1_000_000
    const { connections, writes } = recordedConnections(1)
    const flusher = new Flusher(flushCadence(80, 100), undefined, () => clock + performance.now())
    const connection = connections[0]!
    connection.enqueue(Buffer.from('data: x\n\n'), 1e6)
    flusher.mark(connection)
    await vi.advanceTimersByTimeAsync(0)
    expect(writes).toHaveLength(1)
    clock = 0
    connection.enqueue(Buffer.from('data: y\n\n'), 1e6)
    flusher.mark(connection)
    await vi.advanceTimersByTimeAsync(80)
    expect(writes).toHaveLength(2)
  })
})
