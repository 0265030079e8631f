import { describe, expect, it } from 'vitest'
import type { LikewireEvent } from './event'
import { MetaState } from './meta-state'
import { membersTopic, presenceTopic, viewersTopic } from './topic'

const event = (topic: string, id: string, data: unknown): LikewireEvent => ({ topic, id, ts: 5, data })

describe('MetaState', () => {
  it('keeps the last event of each viewers topic, and nothing of other topics', () => {
    const state = new MetaState()
    const topic = viewersTopic('likes')
    state.seen(event(topic, 'a', { topic: 'likes', count: 1 }))
    state.seen(event(topic, 'b', { topic: 'likes', count: 2 }))
    state.seen(event('likes', 'c', 'heart'))
    expect(state.of(topic)?.map((e) => e.data)).toEqual([{ topic: 'likes', count: 2 }])
    expect(state.of('likes')).toBeUndefined()
    state.forget(topic)
    expect(state.of(topic)).toBeUndefined()
  })

  it('keeps the last status of a presence topic', () => {
    const state = new MetaState()
    const topic = presenceTopic('auth0|ann')
    state.seen(event(topic, 'a', { memberId: 'auth0|ann', status: 'offline', since: null }))
    state.seen(event(topic, 'b', { memberId: 'auth0|ann', status: 'online', since: 7 }))
    expect(state.of(topic)).toEqual([
      event(topic, 'b', { memberId: 'auth0|ann', status: 'online', since: 7 }),
    ])
  })

  it("hands a members topic's snapshot and changes as one snapshot, with the last change's id", () => {
    const state = new MetaState()
    const topic = membersTopic('live:1')
    state.seen(
      event(topic, 's', {
        topic: 'live:1',
        count: 2,
        members: [
          { memberId: 'priya', since: 1 },
          { memberId: 'marco', since: 2 },
        ],
        snapshot: true,
      }),
    )
    state.seen(
      event(topic, 'c', {
        topic: 'live:1',
        count: 2,
        joined: [{ memberId: 'lena', since: 3 }],
        left: ['priya'],
      }),
    )
    expect(state.of(topic)).toEqual([
      event(topic, 'c', {
        topic: 'live:1',
        count: 2,
        members: [
          { memberId: 'marco', since: 2 },
          { memberId: 'lena', since: 3 },
        ],
        snapshot: true,
      }),
    ])
    // a snapshot replaces everything held
    state.seen(event(topic, 'r', { topic: 'live:1', count: 0, members: [], snapshot: true }))
    expect(state.of(topic)?.map((e) => [e.id, e.data])).toEqual([
      ['r', { topic: 'live:1', count: 0, members: [], snapshot: true }],
    ])
    state.forget(topic)
    expect(state.of(topic)).toBeUndefined()
  })
})
