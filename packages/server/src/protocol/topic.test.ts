import { describe, expect, it } from 'vitest'
import {
  assertPublishableTopic,
  assertSubscribableTopic,
  baseTopic,
  escapeMemberId,
  isSubscribableTopic,
  membersTopic,
  metaTopic,
  presenceTopic,
  unescapeMemberId,
  viewersTopic,
} from './topic'

describe('member ids in topics', () => {
  it('escapes what topics cannot hold, and reads it back', () => {
    expect(escapeMemberId('ann')).toBe('ann')
    expect(escapeMemberId('auth0|5f2a')).toBe('auth0=7C5f2a')
    expect(escapeMemberId('a=b c')).toBe('a=3Db=20c')
    expect(escapeMemberId('zoë')).toBe('zo=C3=AB')
    for (const id of ['ann', 'auth0|5f2a', 'a=b c', 'zoë', 'ann+tag@example.com', '🙂', 'x'.repeat(128)])
      expect(unescapeMemberId(escapeMemberId(id))).toBe(id)
  })

  it('refuses escapes that are not the one spelling of a valid member id', () => {
    for (const escaped of ['', '=7c', '=7', '=ZZ', 'a b', '=61', '=C3', '=0A', 'a/b'])
      expect(unescapeMemberId(escaped)).toBeNull()
  })
})

describe('meta topics', () => {
  it('names what each is about', () => {
    expect(metaTopic(viewersTopic('live:1'))).toEqual({ kind: 'viewers', base: 'live:1' })
    expect(metaTopic(membersTopic('live:1'))).toEqual({ kind: 'members', base: 'live:1' })
    expect(metaTopic(presenceTopic('auth0|x'))).toEqual({
      kind: 'presence',
      base: 'member:auth0=7Cx',
      memberId: 'auth0|x',
    })
    expect(metaTopic('live:1')).toBeNull()
    expect([viewersTopic('admin'), membersTopic('admin'), 'admin'].map(baseTopic)).toEqual([
      'admin',
      'admin',
      'admin',
    ])
    expect(baseTopic(presenceTopic('auth0|x'))).toBe('member:auth0=7Cx')
    expect(metaTopic('member:=zz/$presence')).toBeNull()
  })

  it('can be subscribed to, never published to', () => {
    for (const topic of [
      viewersTopic('a'),
      membersTopic('a'),
      presenceTopic('zoë'),
      presenceTopic('x'.repeat(128)),
    ]) {
      expect(() => assertSubscribableTopic(topic)).not.toThrow()
      expect(isSubscribableTopic(topic)).toBe(true)
      expect(() => assertPublishableTopic(topic)).toThrow(/Invalid topic/)
    }
  })

  it('reserves the member: prefix for presence: no ordinary topic, nor its viewers or members, starts with it', () => {
    for (const topic of [
      'member:ann',
      'member:',
      'member:ann/inbox',
      'member:ann/$viewers',
      'member:ann/$members',
    ]) {
      expect(() => assertSubscribableTopic(topic)).toThrow(/"member:" prefix is reserved for presence/)
      expect(isSubscribableTopic(topic)).toBe(false)
      expect(() => assertPublishableTopic(topic)).toThrow(/Invalid topic/)
    }
    // only that exact prefix: topics are case-sensitive, and other names stay ordinary
    for (const topic of ['Member:ann', 'members:ann', 'team:member:ann', 'x/member:ann']) {
      expect(() => assertPublishableTopic(topic)).not.toThrow()
      expect(isSubscribableTopic(topic)).toBe(true)
    }
  })

  it('refuses malformed meta topics', () => {
    for (const topic of [
      'member:a b/$presence',
      'user:ann/$presence',
      '/$members',
      'a b/$viewers',
      'member:=7c/$presence',
    ]) {
      expect(() => assertSubscribableTopic(topic)).toThrow(/Invalid topic/)
      expect(isSubscribableTopic(topic)).toBe(false)
    }
  })
})
