import { request } from 'node:http'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export interface Stream {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** Every event parsed so far (data events only when retained). */
  events: EventSourceMessage[]
  /** The raw text received (when retained). */
  raw: string
  ended: boolean
  /** Data events received, counted even when not retained. */
  dataCount: number
  /** Data events (default type) parsed as JSON. */
  data(): Array<{ topic: string; id: string; ts: number; data: unknown }>
  /** The id of Likewire's `likewire.connected` event; throws until it came (so `vi.waitFor` can poll it). */
  connectionId(): string
  close(): void
}

/**
 * Opens `GET <url>` as an SSE stream over node:http and parses it with eventsource-parser; resolves at the
 * response head. `retain: false` only counts data events, for streams that carry many.
 */
export function openStream(
  url: string,
  headers: Record<string, string> = {},
  { retain = true }: { retain?: boolean } = {},
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const stream: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        raw: '',
        ended: false,
        dataCount: 0,
        data: () => stream.events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data)),
        connectionId: () => {
          const connected = stream.events.find((e) => e.event === 'likewire.connected')
          if (!connected) throw new Error('not connected yet')
          return JSON.parse(connected.data).connectionId
        },
        close: () => req.destroy(),
      }
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === undefined) stream.dataCount++
          if (retain || event.event !== undefined) stream.events.push(event)
        },
      })
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (retain) stream.raw += chunk
        parser.feed(chunk)
      })
      for (const end of ['end', 'error', 'close']) {
        res.on(end, () => {
          stream.ended = true
        })
      }
      resolve(stream)
    })
    req.on('error', reject)
    req.end()
  })
}

/** POSTs JSON (or a raw string) and returns the status and the body, parsed when it is JSON. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whichever field of the answer it checks
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed }
}
