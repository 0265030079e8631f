import { describe, expect, it } from 'vitest'
import { isOrdinaryTopic, isSubscribableTopic, membersTopic, presenceTopic, viewersTopic } from './topic'

describe('topics', () => {
  it('viewersTopic and membersTopic append their suffix', () => {
    expect(viewersTopic('live:42')).toBe('live:42/$viewers')
    expect(membersTopic('live:42')).toBe('live:42/$members')
  })

  it('accepts protocol topics and their meta topics, rejects the rest', () => {
    expect(isSubscribableTopic('live:42:likes')).toBe(true)
    expect(isSubscribableTopic(viewersTopic('live:42'))).toBe(true)
    expect(isSubscribableTopic(membersTopic('live:42'))).toBe(true)
    expect(isSubscribableTopic(presenceTopic('zoë'))).toBe(true)
    expect(isSubscribableTopic(presenceTopic('x'.repeat(128)))).toBe(true)
    expect(isSubscribableTopic('')).toBe(false)
    expect(isSubscribableTopic('a b')).toBe(false)
    expect(isSubscribableTopic('a,b')).toBe(false)
    expect(isSubscribableTopic('x'.repeat(201))).toBe(false)
    expect(isSubscribableTopic('$viewers')).toBe(false)
    expect(isSubscribableTopic('/$members')).toBe(false)
    expect(isSubscribableTopic('a/$members/$members')).toBe(false)
    expect(isSubscribableTopic('a/$viewers/$members')).toBe(false)
  })

  it('refuses ordinary topics in member:, reserved for presence, as the server does', () => {
    for (const topic of ['member:ann', 'member:ann/inbox', 'member:ann/$viewers', 'member:ann/$members']) {
      expect(isSubscribableTopic(topic)).toBe(false)
      expect(isOrdinaryTopic(topic)).toBe(false)
    }
    for (const topic of ['Member:ann', 'user:ann', 'team:member:ann'])
      expect(isOrdinaryTopic(topic)).toBe(true)
    expect(isOrdinaryTopic(presenceTopic('ann'))).toBe(false)
    expect(isOrdinaryTopic(viewersTopic('a'))).toBe(false)
    expect(isOrdinaryTopic(42)).toBe(false)
  })

  it('accepts a presence topic only in the one spelling the server takes', () => {
    for (const topic of [
      'member:a b/$presence',
      'user:ann/$presence',
      'member:=7c/$presence',
      'member:=61/$presence',
      'member:/$presence',
      presenceTopic(''),
      presenceTopic('x'.repeat(129)),
    ])
      expect(isSubscribableTopic(topic)).toBe(false)
  })
})
