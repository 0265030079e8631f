import { constants, type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2'
import { joinedOf, type SharedChunks } from './shared-chunks'
import type { ConnectionSink } from './sink'

/**
 * Writes each flush as one write of its frames to the response's HTTP/2 stream: HTTP/2 frames the body
 * itself (DATA frames), so there is no chunk framing, and the stream's own buffer is the slow-reader
 * measure (a client that stops reading closes its flow-control window, and writes queue there). The
 * response headers must have been flushed first (the connect route does).
 */
export function http2Sink(res: Http2ServerResponse): ConnectionSink {
  // a class instance (one field, methods on the prototype), as nodeSink: no closures per stream
  return new Http2Sink(res.stream)
}

class Http2Sink implements ConnectionSink {
  constructor(private readonly stream: ServerHttp2Stream) {}

  write(frames: readonly Buffer[], bytes: number, shared?: SharedChunks): void {
    const { stream } = this
    if (stream.destroyed || stream.closed || stream.writableEnded) return
    stream.write(shared ? shared.joined(frames, bytes) : joinedOf(frames, bytes))
  }

  bufferedBytes(): number {
    return this.stream.writableLength
  }

  end(): void {
    const { stream } = this
    if (!stream.destroyed && !stream.writableEnded) stream.end()
  }

  destroy(): void {
    // RST_STREAM now: what is queued for a client that stopped reading is dropped with it
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL)
  }

  onClose(listener: () => void): void {
    // the client may have reset the stream while authentication was awaited: 'close' will not fire again
    if (this.stream.destroyed) queueMicrotask(listener)
    else this.stream.on('close', listener)
  }
}
