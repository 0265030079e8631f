import { request } from 'node:http'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { type Listening, listen } from '../src/http/listen'
import { createLikewire, type Likewire } from '../src/likewire'
import type { LikewireOptions } from '../src/options'

export interface Running {
  lw: Likewire
  url: string
  listening: Listening
  close(): Promise<void>
}

/** A real Likewire on a real HTTP server on port 0. */
export async function startLikewire(options: LikewireOptions = {}): Promise<Running> {
  const lw = createLikewire({ logLevel: 'silent', processMetrics: false, ...options })
  const listening = await listen(lw.app, { port: 0 })
  return {
    lw,
    url: listening.url,
    listening,
    close: async () => {
      await lw.close()
      await listening.close()
    },
  }
}

export interface Stream {
  status: number
  headers: Record<string, string | string[] | undefined>
  events: EventSourceMessage[]
  raw: string
  ended: boolean
  /** Data events received, counted even when not retained. */
  dataCount: number
  /** Data events (default type) parsed as JSON. */
  data(): Array<{ topic: string; id: string; ts: number; data: unknown }>
  connectionId(): string
  close(): void
}

/** Opens `GET <url>` as an SSE stream and parses it with eventsource-parser. */
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
      res.on('end', () => {
        stream.ended = true
      })
      res.on('error', () => {
        stream.ended = true
      })
      res.on('close', () => {
        stream.ended = true
      })
      resolve(stream)
    })
    req.on('error', reject)
    req.end()
  })
}

/** POSTs JSON (or a raw string) and returns status and parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
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

/** Reads one metric's value from the Prometheus text. */
export async function metric(lw: Pick<Likewire, 'metrics'>, name: string, labels = ''): Promise<number> {
  const text = await lw.metrics.metrics()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}{`))
  return line ? Number(line.split(' ').pop()) : 0
}
