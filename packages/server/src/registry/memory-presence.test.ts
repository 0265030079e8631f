import { describe, expect, it } from 'vitest'
import { MemoryPresenceStore } from './memory-presence'

describe('MemoryPresenceStore (embedded)', () => {
  it('a sweep looks only at the members due: 100,000 within the grace, one past it', async () => {
    const store = new MemoryPresenceStore()
    const scopes = Array.from({ length: 100_000 }, (_, i) => ({ topic: null, memberId: `m${i}` }))
    await store.join('fe1', scopes, 0)
    for (const [i, scope] of scopes.entries()) await store.leave('fe1', [scope], 1000 + i)
    store.pending.visited = 0
    expect(await store.sweep(999, 1000, 999)).toEqual([])
    expect(store.pending.visited).toBe(1)
    expect(await store.sweep(1000, 1000, 1000)).toEqual([
      { topic: null, memberId: 'm0', since: 1000, global: true, remote: false },
    ])
    expect(store.pending.visited).toBe(3) // not 100,000: the one due, and the first one not
    // a member back within the grace is no longer pending: a later leave puts it last
    await store.join('fe1', [scopes[1]!], 5000)
    await store.leave('fe1', [scopes[1]!], 200_000)
    const swept = await store.sweep(1002, 1000, 1002)
    expect(swept.map((s) => s.memberId)).toEqual(['m2'])
  })
})
