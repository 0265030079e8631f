import type { IncomingMessage } from 'node:http'
import { type RequestOptions, request } from 'node:https'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it, vi } from 'vitest'
import { listen } from '../src/http/listen'
import { createLikewire } from '../src/likewire'
import { cleanups } from './cluster/cleanup'
import { h2Post, h2Session, h2Stream, startTlsLikewire } from './h2'
import { metric } from './helpers'

describe('HTTP/2 over TLS (listen with tls)', () => {
  it('multiplexes several streams and a publish on one session, each stream getting every event in order', async () => {
    const server = await startTlsLikewire()
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const session = await h2Session(server.url, server.certificate)
    const streams = Array.from({ length: 5 }, () => h2Stream(session, '/v1/connect?topics=live'))
    const other = h2Stream(session, '/v1/connect?topics=other')
    for (const s of [...streams, other]) await vi.waitFor(() => s.connectionId())

    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await h2Post(session, '/v1/publish', { topic: 'live', data: i })
      expect(res.status).toBe(202)
      ids.push(...res.body.ids)
    }
    for (const s of streams) await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(ids))
    expect(streams[0]!.data().map((e) => e.data)).toEqual([0, 1, 2, 3, 4])
    expect(other.data()).toEqual([])
    // every stream and every publish went over the one session the client opened
    expect(server.sessions).toHaveLength(1)
    expect(await metric(server.lw, 'likewire_connections')).toBe(6)

    const headers = await streams[0]!.headers
    expect(headers[':status']).toBe(200)
    expect(headers['content-type']).toBe('text/event-stream')
    // connection-specific headers are forbidden on HTTP/2
    expect(headers.connection).toBeUndefined()
    // HTTP/2 frames the body itself: the stream starts with the SSE preamble, no chunk size line
    expect(streams[0]!.raw.startsWith('retry: ')).toBe(true)
  })

  it('still serves HTTP/1.1 clients (ALPN without h2): chunked frames written to the TLS socket, its parser released', async () => {
    const server = await startTlsLikewire()
    const accepted: Array<TLSSocket & { parser?: unknown }> = []
    server.listening.server.on('secureConnection', (socket: TLSSocket) => accepted.push(socket))
    const events: EventSourceMessage[] = []
    const parser = createParser({ onEvent: (event) => events.push(event) })
    // a client offering HTTP/1.1 only, as an older proxy or tool would
    const options: RequestOptions & ConnectionOptions = {
      ca: server.certificate.cert,
      ALPNProtocols: ['http/1.1'],
      agent: false,
    }
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}/v1/connect?topics=live`, options, resolve)
      req.on('error', reject)
      req.end()
      cleanups.push(() => {
        req.destroy()
      })
    })
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => parser.feed(chunk))
    expect((res.socket as TLSSocket).alpnProtocol).toBe('http/1.1')
    expect(res.httpVersion).toBe('1.1')
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.headers.connection).toBe('keep-alive')
    await vi.waitFor(() => expect(events.map((e) => e.event)).toContain('likewire.connected'))
    // as on plain HTTP/1.1: an SSE stream does not keep Node's HTTP parser (docs/benchmarks.md, capacity)
    expect(accepted[0]!.parser).toBeNull()

    const session = await h2Session(server.url, server.certificate)
    const published = await h2Post(session, '/v1/publish', { topic: 'live', data: 'to http/1.1' })
    await vi.waitFor(() =>
      expect(events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data).id)).toEqual(
        published.body.ids,
      ),
    )
    res.destroy() // the client leaves: noticed without a parser
    await vi.waitFor(async () => expect(await metric(server.lw, 'likewire_connections')).toBe(0))
  })

  it('drops a stream that stops reading (flow control) as a slow consumer; another on the same session keeps receiving', async () => {
    const server = await startTlsLikewire({ maxBufferedBytes: 64 * 1024 })
    // a paused stream consumes nothing: once its window (64 KiB) is used up, the server's writes queue
    const session = await h2Session(server.url, server.certificate)
    const stopped = h2Stream(session, '/v1/connect?topics=live')
    const reading = h2Stream(session, '/v1/connect?topics=live')
    await vi.waitFor(() => stopped.connectionId())
    await vi.waitFor(() => reading.connectionId())
    stopped.stream.pause()

    const payload = 'x'.repeat(4000)
    const ids: string[] = []
    for (let i = 0; i < 60; i++) {
      const res = await h2Post(session, '/v1/publish', { topic: 'live', data: payload })
      ids.push(...res.body.ids)
    }
    await vi.waitFor(async () =>
      expect(await metric(server.lw, 'likewire_disconnects_total', '{reason="slow_consumer"}')).toBe(1),
    )
    await vi.waitFor(() => expect(stopped.closed).toBe(true))
    await vi.waitFor(() => expect(reading.data().map((e) => e.id)).toEqual(ids))
    expect(reading.closed).toBe(false)
    expect(await metric(server.lw, 'likewire_connections')).toBe(1)
  })

  it('refuses a certificate and key Node cannot use, with one clear error', async () => {
    const lw = createLikewire({ logLevel: 'silent', processMetrics: false })
    cleanups.push(() => lw.close())
    await expect(listen(lw, { tls: { cert: 'not a certificate', key: 'not a key' } })).rejects.toThrow(
      /^TLS certificate and key refused: /,
    )
  })

  it('close() resolves with streams still open: their sessions are ended', async () => {
    const server = await startTlsLikewire()
    const session = await h2Session(server.url, server.certificate)
    const streams = [h2Stream(session, '/v1/connect?topics=a'), h2Stream(session, '/v1/connect?topics=b')]
    for (const s of streams) await vi.waitFor(() => s.connectionId())
    // the server alone, Likewire left running: nothing ends the streams but close() itself
    await server.listening.close()
    for (const s of streams) await vi.waitFor(() => expect(s.closed).toBe(true))
    expect(server.sessions[0]!.destroyed).toBe(true)
  })

  it('a graceful close (Likewire, then the server) gets every HTTP/2 stream its reconnect hint first', async () => {
    const server = await startTlsLikewire({ drainJitterMs: 0 })
    const session = await h2Session(server.url, server.certificate)
    const streams = [h2Stream(session, '/v1/connect?topics=a'), h2Stream(session, '/v1/connect?topics=b')]
    for (const s of streams) await vi.waitFor(() => s.connectionId())
    // the drain writes the hints synchronously; the server is closed in the same tick, before they are out
    const draining = server.lw.close()
    await server.listening.close()
    await draining
    for (const s of streams) {
      await vi.waitFor(() => expect(s.closed).toBe(true))
      expect(s.events.at(-1)?.event).toBe('likewire.reconnect')
    }
  })
})
