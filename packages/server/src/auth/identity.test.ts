import { describe, expect, it } from 'vitest'
import { isMemberId, memberIdOf } from './identity'

describe('memberIdOf', () => {
  it('names the member of an identity with a string memberId', () => {
    expect(memberIdOf({ memberId: 'ann', claims: {} })).toBe('ann')
    expect(memberIdOf({ memberId: 'auth0|5f2a' })).toBe('auth0|5f2a')
  })

  it('is null for anonymous identities and invalid member ids', () => {
    for (const identity of [null, undefined, 'ann', 42, {}, { memberId: 7 }, { memberId: '' }])
      expect(memberIdOf(identity)).toBeNull()
    expect(memberIdOf({ memberId: 'a\nb' })).toBeNull()
    expect(memberIdOf({ memberId: 'x'.repeat(129) })).toBeNull()
  })

  it('takes 128 characters, not 129', () => {
    expect(isMemberId('x'.repeat(128))).toBe(true)
    expect(isMemberId('x'.repeat(129))).toBe(false)
  })
})

describe('isMemberId and surrogates', () => {
  it('takes a pair, refuses a lone half (its topic would name another member)', () => {
    expect(isMemberId('a🙂b')).toBe(true)
    for (const id of ['\ud800x', 'x\ud800', '\udc00', 'a\udc00\ud800b']) expect(isMemberId(id)).toBe(false)
  })
})
