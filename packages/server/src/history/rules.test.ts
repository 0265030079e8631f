import { describe, expect, it } from 'vitest'
import { HistoryRules, parseHistoryRules, resolveRules } from './rules'

describe('history rules', () => {
  it('parses the CLI form pattern=size[/ttlSeconds]', () => {
    expect(parseHistoryRules('chat:*=100/300, live:*:comments=50')).toEqual([
      { match: 'chat:*', size: 100, ttlMs: 300_000 },
      { match: 'live:*:comments', size: 50 },
    ])
    expect(parseHistoryRules('')).toEqual([])
    expect(parseHistoryRules(undefined)).toEqual([])
  })

  it.each(['chat:*', 'chat:*=', 'chat:*=x', '=10', 'a=1/2/3', 'a b=1'])(
    'refuses %j with one clear line',
    (text) => {
      expect(() => parseHistoryRules(text)).toThrow(/^--history: expected pattern=size\[\/ttlSeconds\]/)
    },
  )

  it('refuses rules that cannot work', () => {
    expect(() => resolveRules([{ match: 'a', size: 0 }])).toThrow(/size must be an integer from 1/)
    expect(() => resolveRules([{ match: 'a', size: 1e9 }])).toThrow(/size must be/)
    expect(() => resolveRules([{ match: 'a b', size: 1 }])).toThrow(/pattern/)
    expect(() => resolveRules([{ match: 'a', size: 1, ttlMs: 10 }])).toThrow(/ttl must be/)
  })

  it('takes the first rule that matches, * spanning any run of characters, never a meta topic', () => {
    const rules = new HistoryRules([
      { match: 'live:*:comments', size: 50 },
      { match: 'live:*', size: 5, ttlMs: 60_000 },
    ])
    expect(rules.ruleFor('live:42:comments')?.size).toBe(50)
    expect(rules.ruleFor('live:42:likes')).toMatchObject({ size: 5, ttlMs: 60_000 })
    expect(rules.ruleFor('live.42')).toBeUndefined() // '.' is literal
    expect(rules.ruleFor('chat:1')).toBeUndefined()
    expect(rules.ruleFor('live:42:comments/$viewers')).toBeUndefined()
    expect(new HistoryRules().enabled).toBe(false)
  })
})
