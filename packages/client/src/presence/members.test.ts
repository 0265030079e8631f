import { describe, expect, it } from 'vitest'
import {
  foldMembers,
  MAX_EARLY_MEMBER_CHANGES,
  MAX_HELD_MEMBERS,
  MembersFold,
  type TopicMembers,
} from './members'

const m = (memberId: string, since: number) => ({ memberId, since })
const snapshot = (count: number, members: { memberId: string; since: number }[]) => ({
  topic: 't',
  count,
  members,
  snapshot: true,
})
const change = (count: number, joined: { memberId: string; since: number }[], left: string[] = []) => ({
  topic: 't',
  count,
  joined,
  left,
})

describe('foldMembers', () => {
  it('starts from a snapshot, then applies joins (upserts) and leaves, oldest first', () => {
    let held = foldMembers(null, snapshot(2, [m('priya', 1), m('marco', 2)]))
    expect(held).toEqual({ count: 2, members: [m('priya', 1), m('marco', 2)] })
    held = foldMembers(held, change(3, [m('lena', 5)], ['tom'])) // a leave of one not held is a no-op
    expect(held).toEqual({ count: 3, members: [m('priya', 1), m('marco', 2), m('lena', 5)] })
    held = foldMembers(held, change(2, [m('priya', 9)], ['marco'])) // priya rejoined: her new since
    expect(held).toEqual({ count: 2, members: [m('lena', 5), m('priya', 9)] })
  })

  it('replaces what it holds with any snapshot', () => {
    const held = foldMembers(null, snapshot(3, [m('a', 1), m('b', 2), m('c', 3)]))
    expect(foldMembers(held, snapshot(1, [m('z', 4)]))).toEqual({ count: 1, members: [m('z', 4)] })
  })

  it('keeps the count exact even when it holds fewer members', () => {
    const held = foldMembers(null, snapshot(1242, [m('priya', 1), m('marco', 2)]))
    expect(foldMembers(held, change(1243, [], []))).toEqual({
      count: 1243,
      members: [m('priya', 1), m('marco', 2)],
    })
  })

  it('gives back the same object when nothing changed, and ignores what is not a members event', () => {
    const held = foldMembers(null, snapshot(2, [m('a', 1), m('b', 2)]))
    expect(foldMembers(held, snapshot(2, [m('a', 1), m('b', 2)]))).toBe(held)
    expect(foldMembers(held, change(2, [], ['nobody']))).toBe(held)
    for (const data of [null, 'x', { count: -1 }, { count: 1.5 }, { members: [] }])
      expect(foldMembers(held, data)).toBe(held)
    expect(foldMembers(null, { count: 'x' })).toBeNull()
  })

  it('skips malformed members and holds at most MAX_HELD_MEMBERS, the oldest', () => {
    const held = foldMembers(
      null,
      snapshot(2, [m('a', 1), { memberId: 7 } as never, null as never, m('b', 2)]),
    )
    expect(held?.members).toEqual([m('a', 1), m('b', 2)])
    const many = Array.from({ length: MAX_HELD_MEMBERS + 5 }, (_, i) => m(`m${i}`, 100 + i))
    const full = foldMembers(held, change(MAX_HELD_MEMBERS + 7, many)) as TopicMembers
    expect(full.count).toBe(MAX_HELD_MEMBERS + 7)
    expect(full.members).toHaveLength(MAX_HELD_MEMBERS)
    expect(full.members.slice(0, 3)).toEqual([m('a', 1), m('b', 2), m('m0', 100)])
  })

  it('hands out frozen state: a callback cannot change what another is given', () => {
    const held = foldMembers(null, snapshot(1, [m('a', 1)])) as TopicMembers
    expect(Object.isFrozen(held)).toBe(true)
    expect(Object.isFrozen(held.members)).toBe(true)
    expect(Object.isFrozen(held.members[0])).toBe(true)
  })

  it('makes nothing of a change without a snapshot: a change is a difference, not the list', () => {
    expect(foldMembers(null, change(1, [m('lena', 5)]))).toBeNull()
  })
})

describe('MembersFold: changes before the first snapshot', () => {
  const fold = (...events: Array<[number, unknown]>) => {
    const f = new MembersFold()
    const changed = events.map(([ts, data]) => f.take({ ts, data }))
    return { f, changed }
  }

  it('hands out nothing until a snapshot, then the snapshot with the newer changes over it', () => {
    const { f, changed } = fold(
      [100, change(2, [m('lena', 100)])], // joined after the snapshot's read: applied
      [200, snapshot(2, [m('a', 1), m('b', 2)])],
    )
    expect(changed).toEqual([false, true])
    expect(f.members).toEqual({ count: 2, members: [m('a', 1), m('b', 2), m('lena', 100)] })
  })

  it("keeps the snapshot's newer view: a later since of a member, a member back after the leave, the newer count", () => {
    const { f } = fold(
      [100, change(5, [m('a', 10)], ['b'])], // stamped before the snapshot: its count is older
      [150, snapshot(3, [m('a', 120), m('b', 130), m('c', 3)])], // a and b came back after that change
    )
    expect(f.members).toEqual({ count: 3, members: [m('c', 3), m('a', 120), m('b', 130)] })
  })

  it('applies the changes in their order, leaves included', () => {
    const { f } = fold(
      [100, change(3, [m('x', 100)])],
      [110, change(2, [], ['x', 'a'])],
      [90, snapshot(2, [m('a', 1), m('b', 2)])],
    )
    expect(f.members).toEqual({ count: 2, members: [m('b', 2)] })
  })

  it('keeps at most MAX_EARLY_MEMBER_CHANGES changes, the latest; later snapshots replace as ever', () => {
    const f = new MembersFold()
    for (let i = 0; i < MAX_EARLY_MEMBER_CHANGES + 5; i++)
      f.take({ ts: 10 + i, data: change(i, [m(`m${i}`, i)]) })
    expect(f.pending).toHaveLength(MAX_EARLY_MEMBER_CHANGES)
    f.take({ ts: 1, data: snapshot(0, []) })
    expect(f.members?.members).toHaveLength(MAX_EARLY_MEMBER_CHANGES)
    expect(f.members?.members[0]).toEqual(m('m5', 5))
    f.take({ ts: 500, data: snapshot(1, [m('z', 1)]) })
    expect(f.members).toEqual({ count: 1, members: [m('z', 1)] })
  })
})
