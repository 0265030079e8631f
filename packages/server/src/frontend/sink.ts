import type { ServerResponse } from 'node:http'

/** Where a connection's bytes go: the Node response on the hot path, a web stream elsewhere. */
export interface ConnectionSink {
  write(chunk: Buffer): void
  /** Bytes accepted by write() but not yet handed to the kernel: the slow-reader measure. */
  bufferedBytes(): number
  end(): void
  destroy(): void
  onClose(listener: () => void): void
}

/** Writes straight to the Node response: one res.write per flush, no per-connection stream pipeline. */
export function nodeSink(res: ServerResponse): ConnectionSink {
  return {
    write: (chunk) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk)
    },
    bufferedBytes: () => res.writableLength + (res.socket?.writableLength ?? 0),
    end: () => {
      if (!res.writableEnded) res.end()
    },
    destroy: () => {
      res.destroy()
    },
    onClose: (listener) => {
      // the client may have hung up while authentication was awaited: 'close' will not fire again
      if (res.destroyed) queueMicrotask(listener)
      else res.once('close', listener)
    },
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
    write: (chunk) => {
      if (!closed) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
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
