/**
 * Incremental parser of one SSE response read off a raw socket: HTTP head, chunked transfer coding,
 * then frames split on the blank line (or, for an HTTP/2 stream, the body alone: `bodyOnly`). It only looks at a frame's first byte, its last `"ts":` digits and, for
 * an event of a history topic, its `id: <epoch>:<offset>` line, so one process can read a million frames a
 * second.
 */

const CRLFCRLF = Buffer.from('\r\n\r\n')
const FRAME_END = Buffer.from('\n\n')
const TS = Buffer.from('"ts":')
// control event names, after `event:` and its optional space (better-sse writes none)
const CONNECTED = Buffer.from('likewire.connected\n')
const GAP = Buffer.from('likewire.gap\n')
const HEARTBEAT = Buffer.from('likewire.heartbeat\n')
const CHAR_I = 0x69 // 'i' or 'd': a frame starting with `id:` or `data:` is a data frame
const CHAR_D = 0x64
const CHAR_E = 0x65 // 'e': `event:` control frame
const COLON = 0x3a
const SPACE = 0x20
const LF = 0x0a

export interface FrameListener {
  /** A new read begins (before its frames): its frames all arrived now. */
  onRead?(): void
  /** The response head: status code. */
  onHead(status: number): void
  /** The `likewire.connected` control frame: the stream is subscribed. */
  onConnected(): void
  /**
   * A data frame, with its `ts` (ms since epoch; NaN when absent) and, for an event of a history topic, the
   * offset of its `id: <epoch>:<offset>` line (NaN for a fire-and-forget event, which has no `id:` line).
   */
  onData(ts: number, offset: number): void
  /** The stream's first `id:` epoch, and any later change of it: called before the `onData` of that frame. */
  onEpoch?(epoch: string): void
  /** A `likewire.gap` control frame: events of a history topic this stream will never get. */
  onGap?(): void
  /** A `likewire.heartbeat` control frame (a flush of its own on the server). */
  onHeartbeat?(): void
}

enum State {
  Head,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Raw,
}

export class SseParser {
  private state = State.Head
  private head: Buffer | null = null
  private partial: Buffer | null = null
  private chunkLeft = 0
  private sizeDigits = 0
  private crlfLeft = 0
  /** The epoch of the last `id:` line, as bytes: compared in place, so it is decoded once per stream. */
  private epoch: Buffer | null = null

  /** `bodyOnly`: the bytes are the response body alone (an HTTP/2 stream's DATA: no head, no chunk framing). */
  constructor(
    private readonly listener: FrameListener,
    bodyOnly = false,
  ) {
    if (bodyOnly) this.state = State.Raw
  }

  push(chunk: Buffer): void {
    this.listener.onRead?.()
    let pos = 0
    const end = chunk.length
    while (pos < end) {
      switch (this.state) {
        case State.Head: {
          const buf = this.head ? Buffer.concat([this.head, chunk.subarray(pos)]) : chunk.subarray(pos)
          const at = buf.indexOf(CRLFCRLF)
          if (at < 0) {
            this.head = Buffer.from(buf)
            return
          }
          const headText = buf.toString('latin1', 0, at)
          this.head = null
          this.listener.onHead(Number(headText.slice(9, 12)))
          this.state = /\r\ntransfer-encoding:\s*chunked/i.test(headText) ? State.ChunkSize : State.Raw
          // restart on the body part of `buf` (which may include bytes of an earlier chunk)
          this.push(buf.subarray(at + 4))
          return
        }
        case State.ChunkSize: {
          const byte = chunk[pos++]!
          if (byte === 0x0a) {
            this.state = this.chunkLeft === 0 && this.sizeDigits > 0 ? State.ChunkEnd : State.ChunkData
            if (this.state === State.ChunkEnd) this.crlfLeft = 2
            this.sizeDigits = 0
          } else if (byte !== 0x0d && this.sizeDigits >= 0) {
            const digit = hexDigit(byte)
            if (digit < 0)
              this.sizeDigits = -1 // chunk extension: ignore to end of line
            else {
              this.chunkLeft = this.chunkLeft * 16 + digit
              this.sizeDigits++
            }
          }
          break
        }
        case State.ChunkData: {
          const take = Math.min(this.chunkLeft, end - pos)
          this.body(chunk.subarray(pos, pos + take))
          pos += take
          this.chunkLeft -= take
          if (this.chunkLeft === 0) {
            this.state = State.ChunkEnd
            this.crlfLeft = 2
          }
          break
        }
        case State.ChunkEnd: {
          pos++
          if (--this.crlfLeft === 0) {
            this.state = State.ChunkSize
            this.chunkLeft = 0
          }
          break
        }
        case State.Raw:
          this.body(chunk.subarray(pos))
          return
      }
    }
  }

  /** Splits body bytes into frames; a frame cut by a packet boundary waits in `partial`. */
  private body(bytes: Buffer): void {
    const buf = this.partial ? Buffer.concat([this.partial, bytes]) : bytes
    this.partial = null
    let pos = 0
    for (;;) {
      const at = buf.indexOf(FRAME_END, pos)
      if (at < 0) break
      this.frame(buf, pos, at)
      pos = at + 2
    }
    if (pos < buf.length) this.partial = Buffer.from(buf.subarray(pos))
  }

  private frame(buf: Buffer, start: number, end: number): void {
    const first = buf[start]
    if (first === CHAR_I || first === CHAR_D) {
      // a history event starts `id: <epoch>:<offset>\n` (the server writes its id line first)
      const offset = first === CHAR_I ? this.position(buf, start, end) : Number.NaN
      this.listener.onData(lastTs(buf, start, end), offset)
    } else if (first === CHAR_E) {
      const name = buf[start + 6] === SPACE ? start + 7 : start + 6
      if (startsWith(buf, name, CONNECTED)) this.listener.onConnected()
      else if (startsWith(buf, name, GAP)) this.listener.onGap?.()
      else if (startsWith(buf, name, HEARTBEAT)) this.listener.onHeartbeat?.()
      // a named event of any other name is data (better-sse writes `event:` first on every event)
      else this.listener.onData(lastTs(buf, start, end), Number.NaN)
    }
  }

  /** The offset of an `id: <epoch>:<offset>` line (NaN if it is not one); tells the listener a new epoch. */
  private position(buf: Buffer, start: number, end: number): number {
    if (buf[start + 1] !== CHAR_D || buf[start + 2] !== COLON) return Number.NaN
    const from = buf[start + 3] === SPACE ? start + 4 : start + 3
    let lineEnd = buf.indexOf(LF, from)
    if (lineEnd < 0 || lineEnd > end) lineEnd = end
    // the offset is the digits after the last ':' (an epoch has none)
    let colon = lineEnd - 1
    while (colon > from && buf[colon] !== COLON) colon--
    if (colon <= from) return Number.NaN
    const epoch = this.epoch
    if (
      epoch === null ||
      colon - from !== epoch.length ||
      buf.compare(epoch, 0, epoch.length, from, colon) !== 0
    ) {
      this.epoch = Buffer.from(buf.subarray(from, colon))
      this.listener.onEpoch?.(this.epoch.toString('latin1'))
    }
    return readInt(buf, colon + 1, lineEnd)
  }
}

/**
 * The frame's last `"ts":` (NaN when absent): the publisher's clock, which it writes at the end of the
 * event's `data`, after any `ts` a server stamps in its own envelope. Searched back from the frame's end.
 */
function lastTs(buf: Buffer, start: number, end: number): number {
  const at = buf.lastIndexOf(TS, end - TS.length)
  return at >= start ? readInt(buf, at + TS.length, end) : Number.NaN
}

const startsWith = (buf: Buffer, start: number, prefix: Buffer) =>
  buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37
  return -1
}

export function readInt(buf: Buffer, pos: number, end: number): number {
  let value = 0
  let digits = 0
  for (; pos < end; pos++) {
    const byte = buf[pos]!
    if (byte < 0x30 || byte > 0x39) break
    value = value * 10 + (byte - 0x30)
    digits++
  }
  return digits > 0 ? value : Number.NaN
}
