import { describe, expect, it } from 'vitest'
import { watchingLine } from './format'

describe('watchingLine', () => {
  it.each([
    [[], 0, 'Just you watching'],
    [['Priya'], 1, 'Priya watching'],
    [['Priya', 'Marco'], 2, 'Priya and Marco watching'],
    [['Priya', 'Marco'], 3, 'Priya, Marco and 1 other watching'],
    [['Priya', 'Marco'], 1242, 'Priya, Marco and 1,240 others watching'],
    // names not known yet count among the others
    [[], 1, '1 other watching'],
    [[], 2, '2 others watching'],
    [['Priya'], 2, 'Priya and 1 other watching'],
  ] as const)('%j of %i others: %s', (names, others, line) => {
    expect(watchingLine(names, others)).toBe(line)
  })

  it('never names more members than it counts', () => {
    expect(watchingLine(['Priya', 'Marco'], 1)).toBe('Priya watching')
  })
})
