import { describe, expect, it } from 'vitest'
import { Connection } from './connection'
import type { ConnectionSink } from './sink'

/** A sink whose client reads only when told: unsent bytes grow with each write and shrink on `drain`. */
function stallingSink() {
  const state = { unsent: 0, asked: 0 }
  const sink: ConnectionSink = {
    write: (_frames, bytes) => {
      state.unsent += bytes + 5 // a chunk's framing, as the Node sink adds it
    },
    bufferedBytes: () => {
      state.asked++
      return state.unsent
    },
    end: () => {},
    destroy: () => {},
    onClose: () => {},
  }
  return { sink, state }
}

describe('Connection', () => {
  it('refuses a frame exactly when its queued and unsent bytes pass the bound', () => {
    const { sink, state } = stallingSink()
    const connection = new Connection('c', null, sink)
    connection.start(Buffer.from('\n'))
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    let queued = 0
    for (let step = 0; step < 5_000; step++) {
      const roll = random()
      if (roll < 0.7) {
        const frame = Buffer.alloc(1 + Math.floor(random() * 300))
        queued += frame.length
        const unsent = queued > 1_500 ? state.unsent + queued + 5 : state.unsent // past half: written at once
        if (queued > 1_500) queued = 0
        expect(connection.enqueue(frame, 3_000)).toBe(queued + unsent <= 3_000)
        expect(state.unsent).toBe(unsent)
      } else if (roll < 0.95) {
        connection.flush()
        queued = 0
      } else {
        state.unsent = Math.floor(state.unsent * random() * 0.5) // the client read some
      }
    }
  })

  it('asks its sink for unsent bytes only when it might be past the bound', () => {
    const { sink, state } = stallingSink()
    const connection = new Connection('c', null, sink)
    connection.start(Buffer.from('\n'))
    const frame = Buffer.alloc(100)
    for (let i = 0; i < 1_000; i++) {
      expect(connection.enqueue(frame, 1_000_000)).toBe(true)
      connection.flush()
      state.unsent = 0 // a reading client: the kernel takes every write
    }
    // one look, then again each time the bound (~105 bytes a write) reached the limit: a handful, not 1,000
    expect(state.asked).toBeLessThan(5)
  })

  it('writes at once what passes half the bound, so a flush window never drops a reader that keeps up', () => {
    const { sink, state } = stallingSink()
    const connection = new Connection('c', null, sink)
    connection.start(Buffer.from('\n'))
    const frame = Buffer.alloc(300_000)
    for (let i = 0; i < 10; i++) {
      // no flush in between (a long window): queued alone would be 3 MB against a 1 MB bound
      expect(connection.enqueue(frame, 1_000_000)).toBe(true)
      state.unsent = 0 // the client reads what was written
    }
  })
})
