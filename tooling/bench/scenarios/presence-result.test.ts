import { describe, expect, it } from 'vitest'
import { createHistogram } from '../lib/histogram'
import type { FleetTally } from '../load/presence-fleet'
import { compare } from './presence-result'

const tally = (
  values: Partial<Record<'online' | 'offline' | 'duplicates' | 'returns' | 'slowFlaps', number[]>>,
) => {
  const ints = (list: number[] | undefined) => Int32Array.from(list ?? [0, 0, 0, 0])
  return {
    online: ints(values.online),
    offline: ints(values.offline),
    duplicates: ints(values.duplicates),
    returns: ints(values.returns),
    slowFlaps: ints(values.slowFlaps),
    outOfOrder: 0,
    endOffline: 0,
    onlineLag: createHistogram(),
    offlineLag: createHistogram(),
  } satisfies FleetTally
}

describe('compare (what watchers got, member by member, against what was owed)', () => {
  it('the arrival owes each member one online per watcher (2)', () => {
    const result = compare(tally({ online: [2, 2, 1, 3] }), undefined)
    expect(result.expected).toEqual({ online: 8, offline: 0 })
    expect(result.delivered).toEqual({ online: 8, offline: 0 })
    expect(result.lost).toEqual({ online: 1, offline: 0 })
    expect(result.extra).toEqual({ online: 1, offline: 0 })
  })

  it('a leave that came back owes an offline and an online to each watcher; a flap owes nothing', () => {
    const before = tally({ online: [2, 2, 2, 2] })
    const after = tally({
      // member 0 left twice, member 1 once (one offline lost), member 2 only flapped and got an offline
      online: [6, 4, 2, 2],
      offline: [4, 1, 2, 0],
      returns: [2, 1, 0, 0],
    })
    const result = compare(after, before)
    expect(result.expected).toEqual({ online: 6, offline: 6 })
    expect(result.delivered).toEqual({ online: 6, offline: 7 })
    expect(result.lost).toEqual({ online: 0, offline: 1 })
    expect(result.extra).toEqual({ online: 0, offline: 2 })
    expect(result.flapOfflines).toBe(2)
  })

  it('a flap that outlasted the grace may bring an offline and an online: allowed, and no flap offline', () => {
    const before = tally({ online: [2, 2, 2, 2] })
    const after = tally({ online: [4, 2, 2, 2], offline: [2, 0, 0, 0], slowFlaps: [1, 0, 0, 0] })
    const result = compare(after, before)
    expect(result.extra).toEqual({ online: 0, offline: 0 })
    expect(result.lost).toEqual({ online: 0, offline: 0 })
    expect(result.flapOfflines).toBe(0)
  })
})
