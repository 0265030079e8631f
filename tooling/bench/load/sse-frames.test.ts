import { describe, expect, it } from 'vitest'
import { SseFrames } from './sse-frames'

const body =
  'retry: 2000\n\nevent: likewire.connected\ndata: {"connectionId":"c1"}\n\n' +
  'data: {"topic":"member:m1/$presence","data":{"memberId":"m1","status":"offline","since":null}}\n\n' +
  'event: likewire.heartbeat\ndata: {"t":1}\n\n' +
  'id: 7\ndata: {"a":1}\n\n'

const read = (pieces: string[]) => {
  const seen: string[] = []
  const frames = new SseFrames((data) => seen.push(data))
  for (const piece of pieces) frames.push(piece)
  return seen
}

describe('SseFrames (the watchers’ frames, read whole)', () => {
  const expected = [
    '{"topic":"member:m1/$presence","data":{"memberId":"m1","status":"offline","since":null}}',
    '{"a":1}',
  ]

  it('hands over the data of data frames only: control frames (event:) and retry are skipped', () => {
    expect(read([body])).toEqual(expected)
  })

  it('gives the same frames wherever the text is cut', () => {
    for (let at = 1; at < body.length; at++)
      expect(read([body.slice(0, at), body.slice(at)])).toEqual(expected)
  })
})
