import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryStore, MEMORY_GUEST_NAMES } from './store.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('the memory store’s guest names', () => {
  it('keeps a name until its time is up, renewed by each save', async () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const store = createMemoryStore()
    await store.saveGuestName('guest:a', 'Ann', 1000)
    await store.saveGuestName('guest:b', 'Bob', 1000)
    vi.advanceTimersByTime(600)
    await store.saveGuestName('guest:a', 'Annie', 1000)
    expect(await store.guestNames(['guest:a', 'guest:b', 'guest:c'])).toEqual(
      new Map([
        ['guest:a', 'Annie'],
        ['guest:b', 'Bob'],
      ]),
    )
    vi.advanceTimersByTime(600)
    expect(await store.guestNames(['guest:a', 'guest:b'])).toEqual(new Map([['guest:a', 'Annie']]))
  })

  it(`holds at most ${MEMORY_GUEST_NAMES} names, dropping the least recently saved`, async () => {
    const store = createMemoryStore()
    for (let i = 0; i <= MEMORY_GUEST_NAMES; i++) await store.saveGuestName(`guest:${i}`, `G${i}`, 60_000)
    await store.saveGuestName('guest:1', 'G1 again', 60_000) // renewed: now the newest
    await store.saveGuestName('guest:new', 'New', 60_000)
    const names = await store.guestNames(['guest:0', 'guest:1', 'guest:2', 'guest:3', 'guest:new'])
    expect([...names.keys()]).toEqual(['guest:1', 'guest:3', 'guest:new'])
  })
})
