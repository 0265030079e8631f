import type { Server, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { isAttached } from './server'

type FreeParser = (parser: unknown, req: unknown, socket: unknown) => void

// Node's own helper, the one its 'upgrade' path uses; absent on a runtime that has no such module
const freeParser = ((): FreeParser | undefined => {
  try {
    const common = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(
      '_http_common',
    )
    return typeof common?.freeParser === 'function' ? common.freeParser : undefined
  } catch {
    return undefined
  }
})()

/** Sockets taken out of Node's connection list, per server: closeAllConnections() must still close them. */
const released = new WeakMap<Server, Set<Socket>>()

/**
 * Frees Node's HTTP parser of a socket whose response is an endless SSE stream, as Node does for an
 * upgraded socket. Otherwise the parser (native header slots, ~1.6 KB) stays attached for the stream's
 * whole life: the largest per-connection cost left (docs/benchmarks.md, capacity). The client sends
 * nothing more on such a socket, so anything it sends ends the stream. Only servers Likewire created or was
 * handed (`listen()`, `lw.attach(server)`) and Node's known listener shape are touched; on any other the
 * socket is left as it is and false is returned. Call it only after the
 * request was handled (after an await): during Node's 'request' event the parser is still running.
 */
export function releaseHttpParser(res: ServerResponse): boolean {
  const socket = res.socket as (Socket & { parser?: unknown; server?: Server }) | null
  // Node internals stay on servers Likewire created or was handed (listen(), lw.attach(server))
  if (!isAttached(socket?.server)) return false
  // no closeAllConnections to extend (Node's HTTP/2 server has none until attachServer adds one): keep Node's state
  if (!freeParser || !socket?.parser || typeof socket.server?.closeAllConnections !== 'function') return false
  const onData = socket.listeners('data').find((listener) => listener.name === 'bound socketOnData')
  const onEnd = socket.listeners('end').find((listener) => listener.name === 'bound socketOnEnd')
  if (!onData || !onEnd) return false
  socket.removeListener('data', onData as (...args: unknown[]) => void)
  socket.removeListener('end', onEnd as (...args: unknown[]) => void)
  freeParser(socket.parser, null, socket)
  socket.on('data', endOnClientData)
  socket.on('end', endOnClientEnd)
  // Node pauses a socket whose request body is unread (over 16 KiB): paused, it never reports the client leaving
  socket.resume()
  // no parser is left to read a next request on this socket: once the stream ends, so does the socket
  res.prependListener('finish', endSocketAfterResponse)
  track(socket.server, socket)
  return true
}

// shared functions (this = the socket or response), not closures: nothing more is allocated per stream
function endOnClientData(this: Socket): void {
  this.destroy()
}

function endOnClientEnd(this: Socket): void {
  this.end()
}

function endSocketAfterResponse(this: ServerResponse): void {
  this.socket?.end()
}

function track(server: Server, socket: Socket): void {
  let sockets = released.get(server)
  if (!sockets) {
    const set = new Set<Socket>()
    sockets = set
    released.set(server, set)
    const closeAll = server.closeAllConnections
    const closeIdle = server.closeIdleConnections
    // Node's list no longer holds these sockets: its closeAllConnections() must still reach them
    server.closeAllConnections = function closeAllConnections(this: Server) {
      closeAll.call(this)
      for (const releasedSocket of set) releasedSocket.destroy()
    }
    // ... and server.close() (which closes idle ones) those whose stream already ended
    server.closeIdleConnections = function closeIdleConnections(this: Server) {
      closeIdle.call(this)
      for (const releasedSocket of set)
        if (!(releasedSocket as { _httpMessage?: unknown })._httpMessage) releasedSocket.destroy()
    }
  }
  sockets.add(socket)
  socket.on('close', forget) // on(), not once(): 'close' comes once, and once() allocates a wrapper per socket
}

function forget(this: Socket & { server?: Server }): void {
  if (this.server) released.get(this.server)?.delete(this)
}
