import { describe, expect, it } from 'vitest'
import { bearerToken, isBearer } from './bearer'

describe('bearerToken', () => {
  it('takes what follows the scheme (any case) and its spaces, without the blanks around it', () => {
    expect(bearerToken('Bearer abc')).toBe('abc')
    expect(bearerToken('bEaReR abc')).toBe('abc')
    expect(bearerToken('Bearer  \t abc \t ')).toBe('abc')
    expect(bearerToken('Bearer correct horse\tbattery')).toBe('correct horse\tbattery')
  })

  it('is no token for another scheme, a scheme without a space, or blanks only', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer\tabc', 'Bearerabc', 'Basic abc', 'Bearer  \t  '])
      expect(bearerToken(header)).toBeUndefined()
    expect(isBearer('Bearer\tabc')).toBe(false)
    expect(isBearer('bearer ')).toBe(true)
  })

  it('reads a header full of spaces and tabs in one pass (what made the old pattern backtrack)', () => {
    const blanks = ' \t'.repeat(200_000)
    expect(bearerToken(`Bearer a${' '.repeat(400_000)}b`)).toBe(`a${' '.repeat(400_000)}b`)
    expect(bearerToken(`Bearer ${blanks}a${blanks}b${blanks}`)).toBe(`a${blanks}b`)
    expect(bearerToken(`Bearer ${' '.repeat(400_000)}`)).toBeUndefined()
  })
})
