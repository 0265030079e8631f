import { describe, expect, it } from 'vitest'
import type { EncodedEvent } from '../protocol/frames'
import { decodeBatch, encodeBatch } from './wire'

const event = (id: string, topic = 't'): EncodedEvent => {
  const json = JSON.stringify({ topic, id, ts: 1, data: { text: 'a\nb' } })
  return { topic, id, ts: 1, json }
}

describe('internal batch codec', () => {
  it('round-trips events, keeping each line verbatim as the event JSON', () => {
    const events = [event('a1'), event('a2', 'live:1:likes/$viewers')]
    expect(decodeBatch(encodeBatch(events))).toEqual(events)
  })

  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[1]'],
    ['a string', '"x"'],
    ['no id', '{"topic":"t","ts":1}'],
    ['a numeric id', '{"topic":"t","id":1,"ts":1}'],
    ['no ts', '{"topic":"t","id":"a"}'],
    ['a bad topic', '{"topic":"bad topic","id":"a","ts":1}'],
  ])('refuses a line that is %s with 400 invalid_request', (_name, line) => {
    expect(() => decodeBatch(line)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_request' }))
  })

  it('refuses an escaped newline in an id: it would forge SSE fields in every subscriber stream', () => {
    const forged = JSON.stringify({
      topic: 't',
      id: 'x\nevent: likewire.reconnect\ndata: {}',
      ts: 1,
      data: 1,
    })
    expect(forged).not.toContain('\n') // one NDJSON line: the escape only becomes a newline when parsed
    expect(() => decodeBatch(forged)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
    const cr = JSON.stringify({ topic: 't', id: 'x\r', ts: 1, data: 1 })
    expect(() => decodeBatch(cr)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
  })

  it('refuses a raw CR inside a line (JSON whitespace there, a line end to SSE), and a line that does not parse', () => {
    expect(() => decodeBatch('{"topic":"t","id":"a","ts":1,\r"data":1}')).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    )
    expect(() => decodeBatch('{"topic":')).toThrow(expect.objectContaining({ code: 'invalid_json' }))
  })

  it('reads a line shaped as the dispatcher writes it in place, exactly as the full parse would', () => {
    const line = `{"topic":"live:1","id":"a9","ts":1765000000000,"data":{"text":"q\\"uote","n":[1,2]}}`
    expect(decodeBatch(line)).toEqual([{ topic: 'live:1', id: 'a9', ts: 1765000000000, json: line }])
    // the same fields in another order, and a history line with its position, take the full parse
    const reordered = `{"id":"a9","topic":"live:1","ts":1765000000000,"data":1}`
    expect(decodeBatch(reordered)).toEqual([
      { topic: 'live:1', id: 'a9', ts: 1765000000000, json: reordered },
    ])
    const history = `{"topic":"live:1","id":"a9","ts":5,"pos":{"epoch":"e1","offset":3},"data":1}`
    expect(decodeBatch(history)).toEqual([
      { topic: 'live:1', id: 'a9', ts: 5, json: history, pos: { epoch: 'e1', offset: 3 } },
    ])
  })

  it('refuses an escaped quote or newline in a dispatcher-shaped head (the in-place read defers to the full parse)', () => {
    const quoted = `{"topic":"t","id":"a\\"b","ts":1,"data":1}`
    expect(() => decodeBatch(quoted)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
    const topic = `{"topic":"t\\nx","id":"a","ts":1,"data":1}`
    expect(() => decodeBatch(topic)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
  })
})
