import { describe, expect, it } from 'vitest'
import { AuthError } from './errors'
import { tokenOf } from './token'

const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    const e = error as AuthError
    return { status: e.status, code: e.code, challenge: e instanceof AuthError ? e.challenge : undefined }
  }
  throw new Error('not refused')
}

describe('tokenOf', () => {
  it('takes the token of a Bearer header (any case, spaces around) or of one access_token', () => {
    expect(tokenOf({ authorization: 'Bearer abc', accessTokens: [] })).toBe('abc')
    expect(tokenOf({ authorization: 'bearer   abc  ', accessTokens: [] })).toBe('abc')
    expect(tokenOf({ authorization: undefined, accessTokens: ['abc'] })).toBe('abc')
    // another scheme is no token: the query may carry it
    expect(tokenOf({ authorization: 'Basic eA==', accessTokens: ['abc'] })).toBe('abc')
  })

  it('no token (or another scheme, or blank) is 401 with the bare challenge', () => {
    for (const authorization of [
      undefined,
      'Basic eA==',
      'Bearer',
      'Bearer    ',
      `Basic ${'a'.repeat(20_000)}`,
    ])
      expect(refusal(() => tokenOf({ authorization, accessTokens: [''] }))).toEqual({
        status: 401,
        code: 'unauthorized',
        challenge: 'Bearer realm="likewire"',
      })
  })

  it('a token given twice is 400; a huge Bearer header is an invalid token before any parsing', () => {
    expect(refusal(() => tokenOf({ authorization: 'Bearer a', accessTokens: ['b'] }))).toMatchObject({
      status: 400,
      code: 'invalid_request',
    })
    expect(refusal(() => tokenOf({ authorization: undefined, accessTokens: ['a', 'a'] }))).toMatchObject({
      status: 400,
    })
    expect(
      refusal(() => tokenOf({ authorization: `Bearer ${' '.repeat(20_000)}x`, accessTokens: [] })),
    ).toEqual({
      status: 401,
      code: 'unauthorized',
      challenge: 'Bearer realm="likewire", error="invalid_token"',
    })
  })
})
