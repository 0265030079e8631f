import { describe, expect, it } from 'vitest'
import { isSubscribableTopic, viewersTopic } from './topic'

describe('topics', () => {
  it('viewersTopic appends /$viewers', () => {
    expect(viewersTopic('live:42')).toBe('live:42/$viewers')
  })

  it('accepts protocol topics and their viewers meta topic, rejects the rest', () => {
    expect(isSubscribableTopic('live:42:likes')).toBe(true)
    expect(isSubscribableTopic(viewersTopic('live:42'))).toBe(true)
    expect(isSubscribableTopic('')).toBe(false)
    expect(isSubscribableTopic('a b')).toBe(false)
    expect(isSubscribableTopic('a,b')).toBe(false)
    expect(isSubscribableTopic('x'.repeat(201))).toBe(false)
    expect(isSubscribableTopic('$viewers')).toBe(false)
  })
})
