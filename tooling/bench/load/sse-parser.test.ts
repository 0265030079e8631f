import { describe, expect, it } from 'vitest'
import { SseParser } from './sse-parser'

const chunked = (...parts: string[]) =>
  parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')

const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'
const body = chunked(
  'retry: 2000\n\nevent: likewire.connected\ndata: {"connectionId":"c1"}\n\n',
  'id: 1\ndata: {"topic":"t","id":"1","ts":1700000000123,"data":{"ts":5}}\n\n',
  'id: 2\ndata: {"topic":"t","id":"2","ts":1700000000456,"data":null}\n\nevent: likewire.heartbeat\ndata: {"t":1}\n\n',
  'data: {"topic":"t","id":"3","ts":1700000000789,"data":1}\nid: 3\n\n',
)

function parse(pieces: Buffer[]) {
  const seen = { status: 0, connected: 0, ts: [] as number[] }
  const parser = new SseParser({
    onHead: (status) => {
      seen.status = status
    },
    onConnected: () => {
      seen.connected++
    },
    onData: (ts) => seen.ts.push(ts),
  })
  for (const piece of pieces) parser.push(piece)
  return seen
}

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
})
