import { describe, expect, it } from 'vitest'
import { RecentIds } from './dedupe'

describe('RecentIds', () => {
  it('reports a repeated id as seen', () => {
    const ids = new RecentIds(3)
    expect(ids.seen('a')).toBe(false)
    expect(ids.seen('a')).toBe(true)
  })

  it('forgets the oldest id beyond its size (bounded memory)', () => {
    const ids = new RecentIds(2)
    ids.seen('a')
    ids.seen('b')
    ids.seen('c') // evicts a
    expect(ids.seen('b')).toBe(true)
    expect(ids.seen('c')).toBe(true)
    expect(ids.seen('a')).toBe(false)
  })
})
