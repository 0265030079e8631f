// Test-only fakes of the platform pieces the client takes injected (never bundled: not reachable from index.ts).
import type { FetchLike } from '../transport/fetch'

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

/** A connect stream the test writes to, through a real ReadableStream and Response. */
export class FakeStream {
  aborted = false
  private done = false
  private readonly encoder = new TextEncoder()

  constructor(
    readonly request: RecordedRequest,
    private readonly controller: ReadableStreamDefaultController<Uint8Array>,
  ) {}

  push(chunk: string | Uint8Array): void {
    if (this.done) return
    this.controller.enqueue(typeof chunk === 'string' ? this.encoder.encode(chunk) : chunk)
  }

  end(): void {
    if (this.done) return
    this.done = true
    this.controller.close()
  }

  fail(error: unknown = new TypeError('network error')): void {
    if (this.done) return
    this.done = true
    this.controller.error(error)
  }

  abort(): void {
    this.aborted = true
    this.fail(new DOMException('aborted', 'AbortError'))
  }
}

type Answer = { status: number; body?: unknown } | Error
/** Answers a POST, at once or later (a promise), so a test can hold a request in flight. */
export type Responder = (request: RecordedRequest) => Answer | Promise<Answer>

/** A fake `fetch`: connect requests get FakeStreams (or a queued error status), POSTs a responder's answer. */
export function createFakeFetch() {
  const requests: RecordedRequest[] = []
  const streams: FakeStream[] = []
  const connectStatuses: Array<number | { status: number; code: string }> = []
  const state = {
    respond: ((request) => ({
      status: 200,
      body: { topics: (request.body as { topics: string[] }).topics },
    })) as Responder,
  }

  const fetch: FetchLike = async (input, init = {}) => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value
    })
    const method = init.method ?? 'GET'
    const request: RecordedRequest = {
      method,
      url: input,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    }
    requests.push(request)
    if (method === 'POST') {
      const answer = await state.respond(request)
      if (answer instanceof Error) throw answer
      return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status })
    }
    const next = connectStatuses.shift() ?? 200
    const status = typeof next === 'number' ? next : next.status
    if (status !== 200) {
      const code =
        typeof next === 'object'
          ? next.code
          : status === 401
            ? 'unauthorized'
            : status === 403
              ? 'forbidden'
              : 'unavailable'
      return new Response(JSON.stringify({ error: { code, message: code } }), { status })
    }
    let stream!: FakeStream
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        stream = new FakeStream(request, controller)
      },
      cancel() {
        stream.aborted = true
      },
    })
    init.signal?.addEventListener('abort', () => stream.abort())
    streams.push(stream)
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
  }

  return {
    fetch,
    requests,
    streams,
    /** Status codes (or a status and its error code) answered to the next connects, in order (then 200). */
    connectStatuses,
    setResponder(responder: Responder) {
      state.respond = responder
    },
    connects: () => requests.filter((r) => r.method === 'GET'),
    posts: (path?: string) => requests.filter((r) => r.method === 'POST' && (!path || r.url.endsWith(path))),
    lastStream: () => streams[streams.length - 1]!,
  }
}

export type FakeFetch = ReturnType<typeof createFakeFetch>
