import { describe, expect, it } from 'vitest'
import { presenceMemberOf, presenceTopic } from '../topic'
import { escapeMemberId, isMemberId, unescapeMemberId } from './member-id'

describe('member ids in topics (the server escapes them the same way)', () => {
  it('escapes what topics cannot hold, byte for byte as the server does, and reads it back', () => {
    expect(escapeMemberId('ann')).toBe('ann')
    expect(escapeMemberId('auth0|5f2a')).toBe('auth0=7C5f2a')
    expect(escapeMemberId('a=b c')).toBe('a=3Db=20c')
    expect(escapeMemberId('zoë')).toBe('zo=C3=AB')
    expect(escapeMemberId('José')).toBe('Jos=C3=A9')
    expect(escapeMemberId('ann+tag@example.com')).toBe('ann=2Btag@example.com')
    expect(escapeMemberId('🙂')).toBe('=F0=9F=99=82') // a surrogate pair is one code point: 4 bytes
    expect(escapeMemberId('中')).toBe('=E4=B8=AD')
    expect(escapeMemberId('\ud800')).toBe('=EF=BF=BD') // a lone surrogate is U+FFFD, as Buffer writes it
    for (const id of ['ann', 'auth0|5f2a', 'a=b c', 'zoë', 'ann+tag@example.com', '🙂', 'x'.repeat(128)])
      expect(unescapeMemberId(escapeMemberId(id))).toBe(id)
  })

  it('names presence topics as the server does', () => {
    expect(presenceTopic('auth0|5f2a')).toBe('member:auth0=7C5f2a/$presence')
    expect(presenceTopic('a b')).toBe('member:a=20b/$presence')
    expect(presenceMemberOf('member:zo=C3=AB/$presence')).toBe('zoë')
  })

  it('refuses escapes that are not the one spelling of a valid member id', () => {
    for (const escaped of ['', '=7c', '=7', '=ZZ', 'a b', '=61', '=C3', '=0A', 'a/b', '=C0=80', '=ED=A0=80'])
      expect(unescapeMemberId(escaped)).toBeNull()
    expect(unescapeMemberId('x'.repeat(129))).toBeNull()
  })

  it('takes 1-128 characters without control characters as a member id', () => {
    for (const id of ['a', 'x'.repeat(128), 'auth0|5f2a', 'zoë', '🙂', 'a b'])
      expect(isMemberId(id)).toBe(true)
    for (const id of ['', 'x'.repeat(129), 'a\nb', 'a\u0000', 'a\u007f', 'a\u0085', 42, null, undefined])
      expect(isMemberId(id)).toBe(false)
  })
})

describe('isMemberId and surrogates', () => {
  it('takes a pair, refuses a lone half (as the server does)', () => {
    expect(isMemberId('a🙂b')).toBe(true)
    for (const id of ['\ud800x', 'x\ud800', '\udc00', 'a\udc00\ud800b']) expect(isMemberId(id)).toBe(false)
  })
})
