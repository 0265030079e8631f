// SSE framing edge cases, fed through the real client and the real fetch transport (only fetch is fake).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, record, settle, setup, useFakeTime } from './testing/harness'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

async function connected(options = {}) {
  const t = setup(options)
  const likes = record(t.client, 'likes')
  await settle()
  const stream = t.server.lastStream()
  return { ...t, likes, stream }
}

describe('stream parsing (fetch transport)', () => {
  it('handles CRLF line endings split across chunks', async () => {
    const { client, likes, stream } = await connected()
    const text =
      'event: likewire.connected\r\ndata: {"connectionId":"c1","nodeId":"n","heartbeatMs":15000}\r\n\r\n'
    stream.push(text.slice(0, 20))
    stream.push(text.slice(20, 50))
    stream.push(text.slice(50))
    const data = 'id: e1\r\ndata: {"topic":"likes","id":"e1","ts":1,"data":{"n":1}}\r\n\r\n'
    stream.push(data.slice(0, 33))
    stream.push(data.slice(33))
    await settle()
    expect(client.state.connectionId).toBe('c1')
    expect(likes.received.map((e) => e.data)).toEqual([{ n: 1 }])
    client.close()
  })

  it('handles \\r\\n split exactly between \\r and \\n', async () => {
    const { client, likes, stream } = await connected()
    stream.push(frame.connected())
    const data = 'id: e1\r\ndata: {"topic":"likes","id":"e1","ts":1,"data":1}\r\n\r\n'
    const cut = data.indexOf('\n', data.indexOf('data:')) // just after the \r ending the data line
    stream.push(data.slice(0, cut))
    await settle()
    expect(likes.received).toHaveLength(0)
    stream.push(data.slice(cut))
    await settle()
    expect(likes.received.map((e) => e.id)).toEqual(['e1'])
    client.close()
  })

  it('ignores comments and still counts them as liveness', async () => {
    const { client, likes, stream } = await connected({ heartbeatTimeoutMs: 1000 })
    stream.push(frame.connected())
    stream.push(': ping\n\n')
    await settle()
    await vi.advanceTimersByTimeAsync(800)
    stream.push(': ping\n\n')
    await settle()
    await vi.advanceTimersByTimeAsync(800) // 1600 ms since connect, 800 since the last comment
    expect(client.state.status).toBe('connected')
    stream.push(frame.data('likes', 'e1'))
    await settle()
    expect(likes.received).toHaveLength(1)
    client.close()
  })

  it('honours a valid retry: value as the backoff base', async () => {
    const { client, stream } = await connected({ random: () => 1 })
    stream.push(frame.retry(5000) + frame.connected())
    await settle()
    stream.end()
    await settle()
    expect(client.state.status).toBe('reconnecting')
    expect(client.state.nextRetryAt).toBe(Date.now() + 5000)
    client.close()
  })

  it('ignores a garbage retry: value', async () => {
    const { client, stream } = await connected({ random: () => 1, backoff: { baseMs: 700 } })
    stream.push(frame.retry('soon') + frame.connected())
    await settle()
    stream.end()
    await settle()
    expect(client.state.nextRetryAt).toBe(Date.now() + 700)
    client.close()
  })

  it('joins multi-line data: with newlines', async () => {
    const { client, likes, stream } = await connected()
    stream.push(frame.connected())
    stream.push('id: e1\ndata: {"topic":"likes",\ndata: "id":"e1","ts":1,\ndata: "data":"x"}\n\n')
    await settle()
    expect(likes.received).toEqual([{ topic: 'likes', id: 'e1', ts: 1, data: 'x' }])
    client.close()
  })

  it('skips a leading UTF-8 BOM, even split across chunks', async () => {
    const { client, likes, stream } = await connected()
    stream.push(new Uint8Array([0xef, 0xbb]))
    stream.push(new Uint8Array([0xbf]))
    stream.push(frame.retry(2000) + frame.connected('bom') + frame.data('likes', 'e1'))
    await settle()
    expect(client.state.connectionId).toBe('bom')
    expect(likes.received).toHaveLength(1)
    client.close()
  })

  it('keeps a multi-byte character split across chunks whole', async () => {
    const { client, likes, stream } = await connected()
    stream.push(frame.connected())
    const bytes = new TextEncoder().encode(frame.data('likes', 'e1', '❤️'))
    stream.push(bytes.slice(0, 60))
    stream.push(bytes.slice(60))
    await settle()
    expect(likes.received[0]?.data).toBe('❤️')
    client.close()
  })

  it('never delivers the partial event of a stream that ends mid-event, and reconnects', async () => {
    const { client, likes, stream, server } = await connected({ random: () => 0 })
    stream.push(frame.connected())
    stream.push('id: e1\ndata: {"topic":"likes","id":"e1","ts":1,"data":1}\n') // no blank line
    await settle()
    stream.end()
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'stream_ended' })
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(server.connects()).toHaveLength(2)
    server.lastStream().push(frame.connected('conn-2'))
    await settle()
    expect(client.state.status).toBe('connected')
    expect(likes.received).toHaveLength(0)
    client.close()
  })

  it('ignores control frames in data callbacks and reports malformed data frames', async () => {
    const { client, likes, stream, errors } = await connected()
    stream.push(`${frame.connected()}${frame.heartbeat()}event: likewire.future\ndata: {}\n\n`)
    stream.push('data: not json\n\n')
    await settle()
    expect(likes.received).toHaveLength(0)
    expect(errors).toHaveLength(1)
    expect(client.state.status).toBe('connected')
    client.close()
  })
})
