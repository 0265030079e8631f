import { describe, expect, it } from 'vitest'
import type { Connection } from './connection'
import { TopicTable } from './topic-table'

const connection = (id: string) => ({ id }) as unknown as Connection

describe('TopicTable', () => {
  it("tells a topic's first subscriber and its last, and nothing in between", () => {
    const table = new TopicTable()
    const a = connection('a')
    const b = connection('b')
    expect(table.add('t', a)).toBe(true)
    expect(table.add('t', b)).toBe(false)
    expect(table.add('t', b)).toBe(false) // twice is once
    expect(table.count('t')).toBe(2)
    expect(table.remove('t', a)).toBe(false)
    expect(table.remove('t', a)).toBe(false) // not there any more
    expect(table.remove('t', b)).toBe(true)
    expect(table.get('t')).toBeUndefined()
    expect(table.size).toBe(0)
  })

  it('keeps topics apart and lists those with subscribers', () => {
    const table = new TopicTable()
    table.add('x', connection('a'))
    table.add('y', connection('a'))
    expect([...table.topics()].sort()).toEqual(['x', 'y'])
    expect(table.count('z')).toBe(0)
    expect(table.remove('z', connection('a'))).toBe(false)
    expect([...(table.get('x') ?? [])].map((c) => c.id)).toEqual(['a'])
  })
})
