import { describe, expect, it } from 'vitest'
import { grants, matchesPattern } from './grants'

describe('matchesPattern', () => {
  it('matches literally without a star', () => {
    expect(matchesPattern('chat:1', 'chat:1')).toBe(true)
    expect(matchesPattern('chat:1', 'chat:12')).toBe(false)
    expect(matchesPattern('chat:1', 'chat:')).toBe(false)
    expect(matchesPattern('', '')).toBe(true)
    expect(matchesPattern('', 'a')).toBe(false)
  })

  it('lets * stand for any run of characters, none included, slashes and colons too', () => {
    expect(matchesPattern('chat:*', 'chat:')).toBe(true)
    expect(matchesPattern('chat:*', 'chat:42/x:y')).toBe(true)
    expect(matchesPattern('live:*:likes', 'live:42:likes')).toBe(true)
    expect(matchesPattern('live:*:likes', 'live:42:comments')).toBe(false)
    expect(matchesPattern('*', 'anything')).toBe(true)
    expect(matchesPattern('*a*b', 'xxaxxbxb')).toBe(true)
    expect(matchesPattern('*a*b', 'xxaxxbxc')).toBe(false)
    expect(matchesPattern('a**b', 'ab')).toBe(true)
    expect(matchesPattern('a*', 'b')).toBe(false)
  })

  it('stays fast on patterns built to backtrack', () => {
    const pattern = `${'a*'.repeat(50)}b`
    expect(matchesPattern(pattern, 'a'.repeat(200))).toBe(false)
  })
})

describe('grants', () => {
  it('grants a meta topic as its base', () => {
    expect(grants(['room:1'], 'room:1/$viewers')).toBe(true)
    expect(grants(['room:1'], 'room:1/$members')).toBe(true)
    expect(grants(['room:2'], 'room:1/$viewers')).toBe(false)
    expect(grants(['member:*'], 'member:ann/$presence')).toBe(true)
    expect(grants(['member:bob'], 'member:ann/$presence')).toBe(false)
  })

  it('grants nothing with no pattern', () => {
    expect(grants([], 'a')).toBe(false)
  })
})
