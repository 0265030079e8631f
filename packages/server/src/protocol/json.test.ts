import { describe, expect, it } from 'vitest'
import { assertJsonDepth, jsonTextDepth, MAX_JSON_DEPTH, parseJson, stringifyData } from './json'

const nested = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`

describe('JSON input limits', () => {
  it(`accepts data ${MAX_JSON_DEPTH} levels deep and refuses one more, in a body and in-process alike`, () => {
    const data = (depth: number) => JSON.parse(nested(depth))
    expect(() => stringifyData(data(MAX_JSON_DEPTH))).not.toThrow()
    expect(() => stringifyData(data(MAX_JSON_DEPTH + 1))).toThrow(
      expect.objectContaining({ status: 400, code: 'json_too_deep' }),
    )
    // a batch body wraps data in three levels: 64-deep data still parses, as one event or in a batch
    expect(() => parseJson(`{"events":[{"topic":"t","data":${nested(MAX_JSON_DEPTH)}}]}`)).not.toThrow()
    expect(() => parseJson(`{"events":[{"topic":"t","data":${nested(MAX_JSON_DEPTH + 1)}}]}`)).toThrow(
      expect.objectContaining({ code: 'json_too_deep' }),
    )
  })

  it('reads depth off JSON text, brackets inside strings and escapes aside', () => {
    expect(jsonTextDepth('1')).toBe(0)
    expect(jsonTextDepth('{"a":[1,{"b":[]}]}')).toBe(4)
    expect(jsonTextDepth('["[[[[\\"]", "\\\\", {"x":"}}}"}]')).toBe(2)
  })

  it('honours toJSON: an object whose toJSON drops a back-reference serializes', () => {
    const parent: Record<string, unknown> = { name: 'p' }
    const child = { name: 'c', parent, toJSON: () => ({ name: 'c' }) }
    parent.children = [child]
    expect(stringifyData(parent)).toBe('{"name":"p","children":[{"name":"c"}]}')
    expect(stringifyData(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"')
  })

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(() => parseJson(nested(100_000))).toThrow(expect.objectContaining({ code: 'json_too_deep' }))
    expect(() => parseJson(`{"a":${'{"b":'.repeat(100_000)}1${'}'.repeat(100_001)}`)).toThrow(
      expect.objectContaining({ code: 'json_too_deep' }),
    )
  })

  it('counts depth through objects and arrays alike, not width', () => {
    expect(() => assertJsonDepth({ a: Array.from({ length: 10_000 }, () => ({ b: [1] })) })).not.toThrow()
    expect(() => assertJsonDepth({ a: { b: [1] } }, 2)).toThrow(
      expect.objectContaining({ code: 'json_too_deep' }),
    )
  })

  it('answers invalid_json for text that does not parse', () => {
    expect(() => parseJson('{')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_json' }))
  })

  it('serializes in-process data or refuses it with a code: undefined, BigInt, cycles, depth', () => {
    expect(stringifyData({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}')
    expect(stringifyData(null)).toBe('null')
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const bad of [undefined, 1n, cycle, () => 1])
      expect(() => stringifyData(bad)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
    let deep: unknown = 0
    for (let i = 0; i < 1000; i++) deep = { d: deep }
    expect(() => stringifyData(deep)).toThrow(expect.objectContaining({ code: 'json_too_deep' }))
  })
})
