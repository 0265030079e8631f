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
})
