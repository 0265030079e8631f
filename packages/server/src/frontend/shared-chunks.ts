const CRLF = Buffer.from('\r\n')

/** `frames` as one HTTP/1.1 chunk: size line, the frames, CRLF. */
export function chunkOf(frames: readonly Buffer[], bytes: number): Buffer {
  const size = Buffer.from(`${bytes.toString(16)}\r\n`)
  return Buffer.concat([size, ...frames, CRLF], size.length + bytes + CRLF.length)
}

/** `frames` as one Buffer (HTTP/1.0 bodies, HTTP/2 streams: no chunk framing). */
export function joinedOf(frames: readonly Buffer[], bytes: number): Buffer {
  return frames.length === 1 ? frames[0]! : Buffer.concat(frames as Buffer[], bytes)
}

/** The same Buffers in the same order: the frames of one broadcast, queued on every subscriber alike. */
function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** One cached build: the frames it was made of (a copy, so no caller can change them) and its bytes. */
class Reuse {
  private frames: readonly Buffer[] | undefined
  private bytes: Buffer | undefined

  constructor(private readonly build: (frames: readonly Buffer[], bytes: number) => Buffer) {}

  of(frames: readonly Buffer[], bytes: number): Buffer {
    if (this.bytes !== undefined && sameFrames(frames, this.frames!)) return this.bytes
    this.bytes = this.build(frames, bytes)
    this.frames = frames.slice()
    return this.bytes
  }

  clear(): void {
    this.frames = undefined
    this.bytes = undefined
  }
}

/**
 * The bytes of one flush, shared by the connections whose queues hold the same frames: every subscriber
 * of a topic gets the same frame Buffers, so one chunk is built for all of them instead of one copy each
 * (the copies and their garbage were a fifth of a saturated frontend's CPU). Consecutive connections of
 * a flush are mostly subscribers of the same topics, so the last build is all that is kept. Lives for
 * one flush: cleared after it, so no Buffer outlives the flush it was built for.
 */
export class SharedChunks {
  private readonly chunks = new Reuse(chunkOf)
  private readonly joins = new Reuse(joinedOf)

  /** `frames` as one HTTP/1.1 chunk, built once for every connection of the flush with the same frames. */
  chunked(frames: readonly Buffer[], bytes: number): Buffer {
    return this.chunks.of(frames, bytes)
  }

  /** `frames` as one Buffer, built once for every connection of the flush with the same frames. */
  joined(frames: readonly Buffer[], bytes: number): Buffer {
    return frames.length === 1 ? frames[0]! : this.joins.of(frames, bytes)
  }

  clear(): void {
    this.chunks.clear()
    this.joins.clear()
  }
}
