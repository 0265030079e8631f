import { describe, expect, it } from 'vitest'
import { controlFrame, dataFrame, type EncodedEvent, retryFrame, sharedDataFrame } from './frames'

const event = (over: Partial<EncodedEvent> = {}): EncodedEvent => ({
  topic: 't',
  id: 'abc1',
  ts: 1,
  json: '{"topic":"t","id":"abc1","ts":1,"data":null}',
  ...over,
})

describe('SSE frames', () => {
  it('writes a fire-and-forget event as one data line, the default event type, without an SSE id', () => {
    expect(dataFrame(event()).toString()).toBe('data: {"topic":"t","id":"abc1","ts":1,"data":null}\n\n')
  })

  it('writes a history event with its position as SSE id (what Last-Event-ID sends back)', () => {
    expect(dataFrame(event({ pos: { epoch: 'Ep0ch', offset: 7 } })).toString()).toBe(
      'id: Ep0ch:7\ndata: {"topic":"t","id":"abc1","ts":1,"data":null}\n\n',
    )
    expect(() => dataFrame(event({ pos: { epoch: 'bad\nepoch', offset: 1 } }))).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    )
  })

  it.each([
    ['an id with LF', { id: 'a\nevent: x' }],
    ['an id with CR', { id: 'a\r' }],
    ['an empty id', { id: '' }],
    ['a topic with LF', { topic: 't\nx' }],
    ['JSON with LF', { json: '{"a":1}\nevent: forged' }],
    ['JSON with CR', { json: '{"a":1}\r' }],
  ])('refuses %s instead of writing it', (_name, over) => {
    expect(() => dataFrame(event(over))).toThrow(expect.objectContaining({ code: 'invalid_request' }))
  })

  it('writes control and retry frames', () => {
    expect(controlFrame('likewire.heartbeat', { t: 1 }).toString()).toBe(
      'event: likewire.heartbeat\ndata: {"t":1}\n\n',
    )
    expect(retryFrame(-5).toString()).toBe('retry: 0\n\n')
    expect(retryFrame(1234.6).toString()).toBe('retry: 1235\n\n')
  })
})

describe('sharedDataFrame', () => {
  it('builds the frame once per event object, the same bytes as dataFrame', () => {
    const event = {
      topic: 'chat:1',
      id: 'e1',
      ts: 1,
      json: '{"topic":"chat:1"}',
      pos: { epoch: 'ep', offset: 3 },
    }
    const frame = sharedDataFrame(event)
    expect(frame.equals(dataFrame(event))).toBe(true)
    expect(sharedDataFrame(event)).toBe(frame)
    expect(sharedDataFrame({ ...event })).not.toBe(frame)
  })

  it('refuses an unsafe event as dataFrame does', () => {
    expect(() => sharedDataFrame({ topic: 'chat:1', id: 'a\nb', ts: 1, json: '{}' })).toThrow(
      /Not a deliverable event/,
    )
  })
})
