import { describe, expect, it } from 'vitest'
import type { LikewireEvent } from './event'
import { viewersTopic } from './topic'
import { LastCounts } from './viewer-counts'

const event = (topic: string, data: unknown): LikewireEvent => ({
  topic,
  id: `${topic}:${String(data)}`,
  ts: 0,
  data,
})

describe('LastCounts', () => {
  it('keeps the last event of each viewers topic, and nothing of other topics', () => {
    const counts = new LastCounts()
    const topic = viewersTopic('likes')
    counts.seen(event(topic, { topic: 'likes', count: 1 }))
    counts.seen(event(topic, { topic: 'likes', count: 2 }))
    counts.seen(event('likes', 'heart'))
    expect(counts.of(topic)?.map((e) => e.data)).toEqual([{ topic: 'likes', count: 2 }])
    expect(counts.of('likes')).toBeUndefined()
    counts.forget(topic)
    expect(counts.of(topic)).toBeUndefined()
  })
})
