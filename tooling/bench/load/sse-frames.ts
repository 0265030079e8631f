/**
 * Splits a decoded SSE body (text, any chunking) into frames and hands over the `data` of each data
 * frame: frames with an `event:` line are control frames (connected, heartbeat) and are skipped. For
 * the presence watchers, whose few frames are read whole (JSON), not in place as the fan-out's are.
 */
export class SseFrames {
  private rest = ''

  constructor(private readonly onData: (data: string) => void) {}

  push(text: string): void {
    const buffer = this.rest + text
    let start = 0
    for (;;) {
      const end = buffer.indexOf('\n\n', start)
      if (end < 0) break
      this.frame(buffer.slice(start, end))
      start = end + 2
    }
    this.rest = buffer.slice(start)
  }

  private frame(frame: string): void {
    const data: string[] = []
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) return
      if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5))
    }
    if (data.length > 0) this.onData(data.join('\n'))
  }
}
