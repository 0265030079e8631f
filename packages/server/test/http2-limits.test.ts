import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { describe, expect, it, vi } from 'vitest'
import { cleanups } from './cluster/cleanup'
import { h2Post, h2Session, h2Stream, startTlsLikewire } from './h2'
import { metric } from './helpers'

// Slow and idle clients on the TLS server: each limit HTTP/1.1 has, HTTP/2 and the handshake have too.
const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('limits on the TLS server (HTTP/2 and its HTTP/1.1 fallback)', () => {
  it('closes a connection that never completes its TLS handshake after headersTimeoutMs; both it and plain HTTP are counted', async () => {
    const server = await startTlsLikewire({}, limits)
    const socket = tcpConnect(server.listening.port, '127.0.0.1')
    cleanups.push(() => {
      socket.destroy()
    })
    socket.on('error', () => {})
    let closed = false
    socket.on('close', () => {
      closed = true
    })
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 5000 })
    expect(await metric(server.lw, 'likewire_http_refused_total', '{reason="timeout"}')).toBe(1)

    // plain HTTP to the TLS port: refused at once, counted as a bad request
    const plain = tcpConnect(server.listening.port, '127.0.0.1')
    cleanups.push(() => {
      plain.destroy()
    })
    plain.on('error', () => {})
    plain.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await vi.waitFor(async () =>
      expect(await metric(server.lw, 'likewire_http_refused_total', '{reason="bad_request"}')).toBe(1),
    )
  })

  it('closes an HTTP/2 session with no open stream after requestTimeoutMs; one holding a stream stays', async () => {
    const server = await startTlsLikewire({ heartbeatMs: 100 }, limits)
    const idle = await h2Session(server.url, server.certificate)
    const busy = await h2Session(server.url, server.certificate)
    const stream = h2Stream(busy, '/v1/connect?topics=live')
    await vi.waitFor(() => stream.connectionId())
    let idleClosed = false
    idle.on('close', () => {
      idleClosed = true
    })
    await vi.waitFor(() => expect(idleClosed).toBe(true), { timeout: 5000 })
    // past twice the bound: the session with a stream is still open and still delivering
    await sleep(2 * limits.requestTimeoutMs)
    expect(busy.closed || busy.destroyed).toBe(false)
    const res = await h2Post(busy, '/v1/publish', { topic: 'live', data: 'still here' })
    await vi.waitFor(() => expect(stream.data().map((e) => e.id)).toEqual(res.body.ids))
    // once its last stream is gone, it is idle too, and closed in turn
    stream.stream.close()
    let busyClosed = false
    busy.on('close', () => {
      busyClosed = true
    })
    await vi.waitFor(() => expect(busyClosed).toBe(true), { timeout: 5000 })
  })

  it('answers 408 to an HTTP/2 publish whose body is not complete within requestTimeoutMs, counted', async () => {
    const server = await startTlsLikewire({}, limits)
    const session = await h2Session(server.url, server.certificate)
    const stream = session.request({
      ':method': 'POST',
      ':path': '/v1/publish',
      'content-type': 'application/json',
      'content-length': '100',
    })
    stream.on('error', () => {})
    stream.write('{"topic":"live",') // and nothing more
    const status = await new Promise((resolve) =>
      stream.once('response', (headers) => resolve(headers[':status'])),
    )
    expect(status).toBe(408)
    expect(await metric(server.lw, 'likewire_http_refused_total', '{reason="timeout"}')).toBe(1)
    // the session is not harmed: a whole publish on it goes through
    expect((await h2Post(session, '/v1/publish', { topic: 'live', data: 1 })).status).toBe(202)
  })

  it('keeps HTTP/1.1 limits on the TLS port: trickled headers get 408, an idle keep-alive socket is closed', async () => {
    const server = await startTlsLikewire({}, limits)
    const open = (onData: (text: string) => void) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: server.listening.port,
        ca: server.certificate.cert,
        ALPNProtocols: ['http/1.1'],
      })
      cleanups.push(() => {
        socket.destroy()
      })
      socket.setEncoding('utf8')
      socket.on('data', onData)
      socket.on('error', () => {})
      return socket
    }
    let slowReply = ''
    const slow = open((text) => {
      slowReply += text
    })
    slow.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n') // the blank line never comes
    await vi.waitFor(() => expect(slowReply).toMatch(/^HTTP\/1\.1 408 /), { timeout: 5000 })

    let reply = ''
    const idle = open((text) => {
      reply += text
    })
    let idleClosed = false
    idle.on('close', () => {
      idleClosed = true
    })
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await vi.waitFor(() => expect(reply).toMatch(/^HTTP\/1\.1 200 /))
    // Node's HTTP/1.1 keep-alive timeout (5 s), which an HTTP/2 server does not set by itself
    await vi.waitFor(() => expect(idleClosed).toBe(true), { timeout: 10_000 })
  })
})
