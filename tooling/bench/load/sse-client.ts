import net from 'node:net'
import type { Target } from './protocol'
import { type FrameListener, SseParser } from './sse-parser'

export interface ClientEvents extends FrameListener {
  onClose(hadError: boolean, error?: Error): void
}

/** Opens one raw TCP SSE connection: the GET is written by hand, the response read by SseParser. */
export function openSse(
  target: Target,
  source: { localAddress: string; localPort: number } | undefined,
  events: ClientEvents,
): net.Socket {
  const socket = net.connect({ host: target.host, port: target.port, ...source })
  const parser = new SseParser(events)
  let failure: Error | undefined
  socket.setNoDelay(true)
  socket.on('connect', () => {
    socket.write(
      `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`,
    )
  })
  socket.on('data', (chunk: Buffer) => parser.push(chunk))
  socket.on('error', (error) => {
    failure = error
  })
  socket.on('close', (hadError) => events.onClose(hadError, failure))
  return socket
}
