import { describe, expect, it } from 'vitest'
import { SseParser } from './sse-parser'

const chunked = (...parts: string[]) =>
  parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')

const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'
const body = chunked(
  'retry: 2000\n\nevent: likewire.connected\ndata: {"connectionId":"c1"}\n\n',
  // the publisher's clock ends the data: the last `"ts":` of a frame is read, not the server's envelope one
  'id: 1\ndata: {"topic":"t","id":"1","ts":5,"data":{"like":1,"ts":1700000000123}}\n\n',
  'id: 2\ndata: {"topic":"t","id":"2","ts":1700000000456,"data":null}\n\nevent: likewire.heartbeat\ndata: {"t":1}\n\n',
  'data: {"topic":"t","id":"3","ts":1700000000789,"data":1}\nid: 3\n\n',
)

function parse(pieces: Buffer[], bodyOnly = false) {
  const seen = { status: 0, connected: 0, ts: [] as number[] }
  const parser = new SseParser(
    {
      onHead: (status) => {
        seen.status = status
      },
      onConnected: () => {
        seen.connected++
      },
      onData: (ts) => seen.ts.push(ts),
    },
    bodyOnly,
  )
  for (const piece of pieces) parser.push(piece)
  return seen
}

/** Everything a history stream tells the listener, in order. */
function positions(pieces: Buffer[]) {
  const seen: string[] = []
  const parser = new SseParser({
    onHead: () => {},
    onConnected: () => seen.push('connected'),
    onData: (ts, offset) => seen.push(`data ${ts} ${offset}`),
    onEpoch: (epoch) => seen.push(`epoch ${epoch}`),
    onGap: () => seen.push('gap'),
    onHeartbeat: () => seen.push('heartbeat'),
  })
  for (const piece of pieces) parser.push(piece)
  return seen
}

const event = (epoch: string, offset: number, ts: number, data = '{"like":1}') =>
  `id: ${epoch}:${offset}\ndata: {"topic":"live:0","id":"x${offset}","ts":${ts},"pos":{"epoch":"${epoch}","offset":${offset}},"data":${data}}\n\n`

describe('SseParser', () => {
  const whole = Buffer.from(head + body)
  const expected = { status: 200, connected: 1, ts: [1700000000123, 1700000000456, 1700000000789] }

  it('reads the head, the chunked body and every frame', () => {
    expect(parse([whole])).toEqual(expected)
  })

  it('gives the same answer wherever the stream is cut, even byte by byte', () => {
    for (let at = 1; at < whole.length; at++) {
      expect(parse([whole.subarray(0, at), whole.subarray(at)])).toEqual(expected)
    }
    expect(parse([...whole].map((byte) => Buffer.from([byte])))).toEqual(expected)
  })

  it('reads a response without chunked coding', () => {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\n\r\nid: 1\ndata: {"ts":42}\n\n')
    expect(parse([raw]).ts).toEqual([42])
  })

  it('reads an HTTP/2 stream body (bodyOnly: no head, no chunk framing) wherever it is cut', () => {
    const frames = Buffer.from(
      'retry: 2000\n\nevent: likewire.connected\ndata: {}\n\ndata: {"ts":5}\n\nid: 2\ndata: {"ts":6}\n\n',
    )
    for (let at = 1; at < frames.length; at++) {
      expect(parse([frames.subarray(0, at), frames.subarray(at)], true)).toEqual({
        status: 0,
        connected: 1,
        ts: [5, 6],
      })
    }
    // the same bytes read as an HTTP/1.1 response would wait for a head forever
    expect(parse([frames]).ts).toEqual([])
  })

  it('reads a fire-and-forget event (no id: line, as the server sends them now) with no offset', () => {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\n\r\ndata: {"topic":"t","id":"a","ts":7,"data":1}\n\n')
    expect(positions([raw])).toEqual(['data 7 NaN'])
  })
})

describe('SseParser: other servers', () => {
  it("reads better-sse's frames: `event:` first, no space after the colon", () => {
    const raw = Buffer.from(
      'HTTP/1.1 200 OK\r\n\r\nretry:2000\n\nevent:likewire.connected\nid:a\ndata:{}\n\n' +
        'event:like\nid:1\ndata:{"topic":"t","id":"1","ts":5,"data":{"ts":9}}\n\n',
    )
    expect(positions([raw])).toEqual(['connected', 'data 9 NaN'])
  })
})

describe('SseParser: positions of history events', () => {
  const stream = Buffer.from(
    head +
      chunked(
        'retry: 2000\n\nevent: likewire.connected\ndata: {"connectionId":"c1"}\n\n',
        event('3fJk2aQx', 17, 1700000000100),
        // an offset key in the data, and a fire-and-forget event between: neither moves the position
        event('3fJk2aQx', 18, 5, '{"offset":99,"ts":1700000000200}'),
        'data: {"topic":"other","id":"f","ts":1700000000250,"data":{"offset":7}}\n\n',
        'event: likewire.heartbeat\ndata: {"t":1}\n\n',
        'event: likewire.gap\ndata: {"topic":"live:0","reason":"epoch","epoch":"Zz_9-new","offset":0}\n\n',
        event('Zz_9-new', 1, 1700000000300),
      ),
  )
  const expected = [
    'connected',
    'epoch 3fJk2aQx',
    'data 1700000000100 17',
    'data 1700000000200 18',
    'data 1700000000250 NaN',
    'heartbeat',
    'gap',
    'epoch Zz_9-new',
    'data 1700000000300 1',
  ]

  it('reads each offset from the id: line, the epoch once per stream and again when it changes, gap and heartbeat frames', () => {
    expect(positions([stream])).toEqual(expected)
  })

  it('gives the same positions wherever the stream is cut, even byte by byte', () => {
    for (let at = 1; at < stream.length; at++) {
      expect(positions([stream.subarray(0, at), stream.subarray(at)])).toEqual(expected)
    }
    expect(positions([...stream].map((byte) => Buffer.from([byte])))).toEqual(expected)
  })

  it('a new stream (a reconnect) reports its epoch again; an id: line that is not a position has no offset', () => {
    const again = Buffer.from(`HTTP/1.1 200 OK\r\n\r\n${event('E1', 5, 9)}${event('E1', 6, 10)}`)
    expect(positions([again])).toEqual(['epoch E1', 'data 9 5', 'data 10 6'])
    const odd = Buffer.from('HTTP/1.1 200 OK\r\n\r\nid: 42\ndata: {"ts":3}\n\nid:E2:8\ndata: {"ts":4}\n\n')
    expect(positions([odd])).toEqual(['data 3 NaN', 'epoch E2', 'data 4 8'])
  })
})
