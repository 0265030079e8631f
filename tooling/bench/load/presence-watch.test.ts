import { describe, expect, it } from 'vitest'
import { memberIndex } from './presence-assign'
import { parsePresenceFrame, WatchCounts } from './presence-watch'

const frame = (member: number, status: 'online' | 'offline', since: number | null = 1000) => ({
  member,
  status,
  since,
})

describe('WatchCounts (what one worker’s watchers saw, per member)', () => {
  it('counts frames before live() as snapshots, then each change by status, a repeated status as a duplicate', () => {
    const counts = new WatchCounts(10, 5000)
    const watched = new Set([1, 2])
    counts.see(0, watched, frame(1, 'offline', null), 1)
    counts.see(0, watched, frame(2, 'offline', null), 1)
    counts.live()
    counts.see(0, watched, frame(1, 'online', 1000), 1010)
    counts.see(0, watched, frame(1, 'offline', 2000), 7300)
    counts.see(0, watched, frame(1, 'offline', 2000), 7400) // published twice
    counts.see(0, watched, frame(2, 'online', 3000), 3002)
    expect(counts.snapshots).toBe(2)
    expect([...counts.online]).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    expect([...counts.offline]).toEqual([0, 2, 0, 0, 0, 0, 0, 0, 0, 0])
    expect([...counts.duplicates]).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    // online from its since (10 and 2 ms); offline from since + grace (300 and 400 ms)
    expect(counts.onlineLag.totalCount).toBe(2)
    expect(counts.onlineLag.maxValue).toBeGreaterThanOrEqual(9_990)
    expect(counts.offlineLag.minNonZeroValue).toBeGreaterThanOrEqual(299_000)
  })

  it('keeps each watcher’s last status apart: two watchers of one member each see the change once', () => {
    const counts = new WatchCounts(4, 0)
    counts.live()
    counts.see(0, new Set([3]), frame(3, 'online'), 2000)
    counts.see(1, new Set([3]), frame(3, 'online'), 2000)
    expect(counts.online[3]).toBe(2)
    expect(counts.duplicates[3]).toBe(0)
  })

  it('counts a change older than the last one (by since) as out of order, and who ends on offline', () => {
    const counts = new WatchCounts(4, 0)
    const watched = new Set([1, 2])
    counts.live()
    // member 1: its online (since 9000) came before its offline (since 2000): reordered, and left offline
    counts.see(0, watched, frame(1, 'online', 9000), 9100)
    counts.see(0, watched, frame(1, 'offline', 2000), 9200)
    counts.see(0, watched, frame(2, 'offline', 3000), 9100)
    counts.see(0, watched, frame(2, 'online', 8000), 9100)
    expect(counts.outOfOrder).toBe(1)
    expect(counts.endOffline()).toBe(1)
  })

  it('counts a frame for a member the watcher does not watch as unexpected', () => {
    const counts = new WatchCounts(4, 0)
    counts.live()
    counts.see(0, new Set([1]), frame(2, 'online'), 2000)
    counts.see(0, new Set([1]), frame(-1, 'online'), 2000)
    expect(counts.unexpected).toBe(2)
    expect(counts.online.every((value) => value === 0)).toBe(true)
  })
})

describe('parsePresenceFrame', () => {
  it('reads memberId, status and since from an event’s data; anything else is null', () => {
    const data =
      '{"topic":"member:m7/$presence","id":"x","ts":5,"data":{"memberId":"m7","status":"online","since":4}}'
    expect(parsePresenceFrame(data, memberIndex)).toEqual({ member: 7, status: 'online', since: 4 })
    expect(
      parsePresenceFrame('{"data":{"memberId":"m7","status":"offline","since":null}}', memberIndex),
    ).toEqual({ member: 7, status: 'offline', since: null })
    expect(parsePresenceFrame('{"data":{"memberId":"m7","status":"away"}}', memberIndex)).toBeNull()
    expect(parsePresenceFrame('{"data":{"like":1}}', memberIndex)).toBeNull()
    expect(parsePresenceFrame('not json', memberIndex)).toBeNull()
  })
})
