import { describe, expect, it, vi } from 'vitest'
import { Connection } from './connection'
import { room } from './pacing'
import type { ConnectionSink } from './sink'

/** A connection whose socket backlog the test sets: what the kernel has not taken yet. */
function connection() {
  let buffered = 0
  const sink: ConnectionSink = {
    write: () => {},
    bufferedBytes: () => buffered,
    end: () => {},
    destroy: () => {},
    onClose: () => {},
  }
  const c = new Connection('c1', null, sink)
  c.start(Buffer.from('preamble'))
  const setBuffered = (bytes: number) => {
    buffered = bytes
  }
  return { c, setBuffered }
}

describe('room', () => {
  it('resolves at once while the backlog is within the bound ahead', async () => {
    const { c, setBuffered } = connection()
    setBuffered(1000)
    let done = false
    void room(c, 1000).then(() => (done = true))
    await Promise.resolve()
    expect(done).toBe(true)
  })

  it('past it, waits until the client took the backlog down to half, or the connection closed', async () => {
    vi.useFakeTimers()
    try {
      const { c, setBuffered } = connection()
      setBuffered(1001)
      let done = false
      void room(c, 1000).then(() => (done = true))
      await vi.advanceTimersByTimeAsync(100)
      expect(done).toBe(false)
      setBuffered(600) // under the bound, not yet half of it
      await vi.advanceTimersByTimeAsync(100)
      expect(done).toBe(false)
      setBuffered(500)
      await vi.advanceTimersByTimeAsync(20)
      expect(done).toBe(true)

      setBuffered(5000)
      let gone = false
      void room(c, 1000).then(() => (gone = true))
      await vi.advanceTimersByTimeAsync(100)
      expect(gone).toBe(false)
      c.close('destroy')
      await vi.advanceTimersByTimeAsync(20)
      expect(gone).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('room for a client that takes nothing', () => {
  it('gives up after the stall time without progress (false: a slow consumer), not while the client takes some', async () => {
    vi.useFakeTimers()
    try {
      const { c, setBuffered } = connection()
      setBuffered(5000)
      let answer: boolean | undefined
      void room(c, 1000, 1000).then((taken) => (answer = taken))
      await vi.advanceTimersByTimeAsync(800)
      setBuffered(4000) // it took a little: the stall clock starts again
      await vi.advanceTimersByTimeAsync(800)
      expect(answer).toBeUndefined()
      await vi.advanceTimersByTimeAsync(300)
      expect(answer).toBe(false)

      setBuffered(5000)
      let later: boolean | undefined
      void room(c, 1000, 1000).then((taken) => (later = taken))
      setBuffered(400)
      await vi.advanceTimersByTimeAsync(20)
      expect(later).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})
