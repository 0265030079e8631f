import net from 'node:net'
import tls from 'node:tls'
import type { ClientTls, Target } from './protocol'
import { type FrameListener, SseParser } from './sse-parser'

export interface ClientEvents extends FrameListener {
  onClose(hadError: boolean, error?: Error): void
}

/**
 * One read buffer for every plain socket of the process (`onread`): no Buffer allocated per read. Safe because
 * the parser copies what it keeps (a cut frame, a cut head) before the next read lands here.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/**
 * Opens one raw SSE connection: the GET is written by hand, the response read by SseParser. With `secure`
 * it is HTTPS/1.1 (ALPN `http/1.1`, so a server that also speaks HTTP/2 answers in HTTP/1.1), the
 * certificate checked against `secure.ca` for the target's address.
 */
export function openSse(
  target: Target,
  source: { localAddress: string; localPort: number } | undefined,
  events: ClientEvents,
  secure?: ClientTls,
): net.Socket {
  const options = { host: target.host, port: target.port, ...source }
  const parser = new SseParser(events)
  const socket = secure
    ? tls.connect({ ...options, ca: secure.ca, ALPNProtocols: ['http/1.1'] })
    : net.connect({
        ...options,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array) => {
            parser.push((buffer as Buffer).subarray(0, bytes))
            return true // keep reading (false would pause the socket)
          },
        },
      })
  let failure: Error | undefined
  socket.setNoDelay(true)
  socket.on(secure ? 'secureConnect' : 'connect', () => {
    socket.write(
      `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`,
    )
  })
  if (secure) socket.on('data', (chunk: Buffer) => parser.push(chunk))
  socket.on('error', (error) => {
    failure = error
  })
  socket.on('close', (hadError) => events.onClose(hadError, failure))
  return socket
}
