import { describe, expect, it } from 'vitest'
import { ClientState, Sequence, tallyClients } from './sequence'

const seen = (offsets: number[], epoch = 'E1') => {
  const seq = new Sequence()
  seq.onEpoch(epoch)
  for (const offset of offsets) seq.see(offset)
  return seq
}

describe('Sequence (one client, its offsets across reconnects)', () => {
  it('offsets one after the other from the first: nothing missing, nothing twice', () => {
    const seq = seen([1, 2, 3, 4, 5])
    expect({ last: seq.last, duplicates: seq.duplicates, missing: seq.missing }).toEqual({
      last: 5,
      duplicates: 0,
      missing: 0,
    })
  })

  it('counts an offset at or below the last one as a duplicate, and never moves back', () => {
    // a resume that replays what the client had: 4 and 5 again
    const seq = seen([1, 2, 3, 4, 5, 4, 5, 6, 6])
    expect(seq.duplicates).toBe(3)
    expect(seq.missing).toBe(0)
    expect(seq.last).toBe(6)
  })

  it('counts the offsets skipped over as missing', () => {
    const seq = seen([1, 2, 5, 6, 10])
    expect(seq.missing).toBe(2 + 3)
    expect(seq.duplicates).toBe(0)
    expect(seq.last).toBe(10)
  })

  it('expects offset 1 first: a client subscribed before the first publish misses what came before its first', () => {
    expect(seen([3, 4]).missing).toBe(2)
  })

  it('an offset out of order counts as skipped, then as a duplicate: delivered = owed - missing + duplicates', () => {
    const seq = seen([1, 3, 2])
    expect({ missing: seq.missing, duplicates: seq.duplicates }).toEqual({ missing: 1, duplicates: 1 })
  })

  it('ignores fire-and-forget events (NaN)', () => {
    const seq = seen([1, Number.NaN, 2, Number.NaN])
    expect({ last: seq.last, missing: seq.missing, duplicates: seq.duplicates }).toEqual({
      last: 2,
      missing: 0,
      duplicates: 0,
    })
  })

  it('a new epoch starts the offsets over without counting across it', () => {
    const seq = seen([1, 2, 3])
    seq.onEpoch('E1') // the same epoch on a reconnected stream: nothing changes
    seq.see(4)
    seq.onEpoch('E2')
    seq.see(1)
    seq.see(2)
    expect(seq.epochChanges).toBe(1)
    expect({ last: seq.last, missing: seq.missing, duplicates: seq.duplicates }).toEqual({
      last: 2,
      missing: 0,
      duplicates: 0,
    })
  })

  it('the tail: what never came past the last offset, up to the topic head', () => {
    expect(seen([1, 2, 3]).tail(7)).toBe(4)
    expect(seen([1, 2, 3]).tail(3)).toBe(0)
    expect(new Sequence().tail(5)).toBe(5)
  })

  it('the resume parameter is the last position, none before the first event', () => {
    expect(new Sequence().resume('live:0')).toBeUndefined()
    expect(seen([1, 2, 3], 'abc_-9').resume('live:0')).toBe('live:0~abc_-9~3')
  })
})

describe('ClientState (caught up after a cut)', () => {
  it('is behind from the cut until an event published after its last reconnect began arrives', () => {
    const client = new ClientState()
    expect(client.behind).toBe(false)
    expect(client.arrived(500, 500)).toBe(false) // not cut: nothing to catch up
    client.cut()
    expect(client.behind).toBe(true)
    client.reopened(1000)
    // replayed events were published before the reconnect: not caught up yet
    expect(client.arrived(900, 1010)).toBe(false)
    expect(client.arrived(999, 1020)).toBe(false)
    expect(client.arrived(1000, 1030)).toBe(true)
    expect(client.behind).toBe(false)
    expect(client.caughtUpAt).toBe(1030)
    expect(client.catchUpMs).toBe(30)
    expect(client.arrived(1100, 1110)).toBe(false) // once
  })

  it('a second reconnect (the first failed) moves the mark; NaN ts never catches up', () => {
    const client = new ClientState()
    client.cut()
    client.reopened(1000)
    client.reopened(2000)
    expect(client.arrived(1500, 2010)).toBe(false)
    expect(client.arrived(Number.NaN, 2020)).toBe(false)
    expect(client.arrived(2001, 2030)).toBe(true)
  })

  it('a client cut but not reopened yet is behind and catches nothing up', () => {
    const client = new ClientState()
    client.cut()
    expect(client.arrived(5000, 5000)).toBe(false)
    expect(client.behind).toBe(true)
  })
})

describe('tallyClients', () => {
  it('sums positions, duplicates, missing and who is behind; the last catch-up time', () => {
    const a = new ClientState()
    const b = new ClientState()
    const c = new ClientState()
    a.seq.onEpoch('E')
    for (const offset of [1, 2, 2, 5]) a.seq.see(offset)
    b.seq.onEpoch('E')
    b.seq.see(1)
    a.cut()
    a.reopened(100)
    a.arrived(150, 160)
    b.cut()
    b.reopened(100)
    b.arrived(120, 130)
    c.cut()
    expect(tallyClients([a, b, c])).toEqual({
      positioned: 2,
      duplicates: 1,
      missing: 2,
      epochChanges: 0,
      behind: 1,
      lastCaughtUpAt: 160,
      maxCatchUpMs: 60,
    })
  })
})
