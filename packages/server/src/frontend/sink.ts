import type { ServerResponse } from 'node:http'
import { chunkOf, joinedOf, type SharedChunks } from './shared-chunks'

/** Where a connection's bytes go: the Node socket on the hot path, a web stream elsewhere. */
export interface ConnectionSink {
  /**
   * Writes the frames of one flush, `bytes` long in all, as one write; with `shared`, the bytes built
   * for the previous connection of the flush are reused when it had the same frames (never mutated).
   */
  write(frames: readonly Buffer[], bytes: number, shared?: SharedChunks): void
  /**
   * Bytes accepted by write() but not yet handed to the kernel: the slow-reader measure. They grow only
   * by this sink's own writes (by at most a write's bytes plus 16), never by themselves.
   */
  bufferedBytes(): number
  end(): void
  destroy(): void
  onClose(listener: () => void): void
}

/**
 * Writes each flush as one pre-framed HTTP chunk straight to the socket: one write() where res.write
 * costs a writev of three buffers (size line, data, CRLF), the bulk of a delivery's cost. The response
 * headers must have been flushed first (the connect route does), so nothing can overtake them.
 */
export function nodeSink(res: ServerResponse): ConnectionSink {
  // a class instance (one field, methods on the prototype): an object of five closures cost ~380 B per idle stream
  return new NodeSink(res)
}

class NodeSink implements ConnectionSink {
  constructor(private readonly res: ServerResponse) {}

  write(frames: readonly Buffer[], bytes: number, shared?: SharedChunks): void {
    const { res } = this
    const socket = res.socket
    if (res.writableEnded || res.destroyed || !socket || socket.destroyed) return
    if (res.chunkedEncoding) socket.write(shared ? shared.chunked(frames, bytes) : chunkOf(frames, bytes))
    // HTTP/1.0: the body ends with the connection, no framing
    else socket.write(shared ? shared.joined(frames, bytes) : joinedOf(frames, bytes))
  }

  bufferedBytes(): number {
    // Node's writableLength of a response already adds its socket's: adding it again counted it twice
    return this.res.writableLength
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end()
  }

  destroy(): void {
    this.res.destroy()
  }

  onClose(listener: () => void): void {
    // the client may have hung up while authentication was awaited: 'close' will not fire again
    if (this.res.destroyed) queueMicrotask(listener)
    // on(), not once(): a response emits 'close' once, and once()'s wrapper costs ~170 B per idle stream
    else this.res.on('close', listener)
  }
}

/** A web ReadableStream sink, for runtimes without a Node response (and Hono's app.request in tests). */
export function webStreamSink(): { sink: ConnectionSink; stream: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  const listeners: Array<() => void> = []
  const fireClose = () => {
    if (closed) return
    closed = true
    for (const listener of listeners) listener()
  }
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c
      },
      cancel: fireClose,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
  )
  const sink: ConnectionSink = {
    write: (frames, bytes) => {
      if (!closed) controller.enqueue(Buffer.concat(frames as Buffer[], bytes))
    },
    bufferedBytes: () => Math.max(0, -(controller.desiredSize ?? 0)),
    end: () => {
      if (closed) return
      controller.close()
      fireClose()
    },
    destroy: () => {
      if (closed) return
      controller.error(new Error('connection dropped'))
      fireClose()
    },
    onClose: (listener) => {
      listeners.push(listener)
    },
  }
  return { sink, stream }
}
