import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Connection } from './connection'
import { AdaptiveCadence, flushCadence } from './flush-cadence'
import { Flusher } from './flusher'
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

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Flusher', () => {
  it('under saturation writes a connection at most once per window, each write carrying the window', async () => {
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
    // settled: a window of twice a flush (40 ms) between the starts of two writes
    const late = writes.filter((w) => w.at >= 2_000)
    for (let i = 1; i < late.length; i++) expect(late[i]!.at - late[i - 1]!.at).toBeGreaterThanOrEqual(39.9)
    // 20 ms of the window go to the write itself: the other 20 bring 4 frames, all in the next write
    expect(late.slice(0, -1).every((w) => w.frames === 4)).toBe(true)
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
})
