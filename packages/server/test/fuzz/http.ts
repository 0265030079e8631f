import { request } from 'node:http'
import { connect } from 'node:net'

/** One request as the fuzz sends it: over node:http, fetch, or hand-written bytes on a socket. */
export interface FuzzRequest {
  via: 'http' | 'fetch' | 'raw'
  method: string
  /** Path and query as sent on the request line (may hold bytes no client library would send). */
  target: string
  headers: Array<[name: string, value: string]>
  body?: Buffer | undefined
  /** Raw only: a Content-Length that lies ('short' declares more than is sent), or none at all. */
  framing?: 'honest' | 'short' | 'long' | 'chunked' | 'bad-chunked' | 'none' | undefined
  /** Raw only: the Host header as written (hostile values included); absent means a sane one. */
  host?: string | undefined
}

export interface FuzzResponse {
  /** 'closed' is a socket the server closed without an answer; 'timeout' a request that hung. */
  kind: 'answer' | 'closed' | 'timeout'
  status: number
  headers: Record<string, string>
  body: Buffer
  /** The start of an SSE stream, read up to its likewire.connected frame. */
  stream?: string | undefined
  /** How the request actually went out (a client library refusing hostile input falls back to raw). */
  sentVia: FuzzRequest['via']
}

const closedAnswer = (sentVia: FuzzRequest['via']): FuzzResponse => ({
  kind: 'closed',
  status: 0,
  headers: {},
  body: Buffer.alloc(0),
  sentVia,
})

/** Sends a request with a ceiling: a request that hangs past `timeoutMs` resolves as 'timeout', never blocks. */
export async function send(base: URL, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  // node:http waits for a 'connect' event on a CONNECT, whatever the server answers: send those raw
  if (req.via === 'http' && req.method.trim().toUpperCase() !== 'CONNECT') {
    const answer = await viaHttp(base, req, timeoutMs)
    if (answer) return answer
  } else if (req.via === 'fetch') {
    const answer = await viaFetch(base, req, timeoutMs)
    if (answer) return answer
  }
  return viaRaw(base, req, timeoutMs)
}

const connectedFrame = /event: likewire\.connected\ndata: [^\n]*\n\n/

/** node:http; undefined when the client refuses the input itself (invalid token or character). */
function viaHttp(base: URL, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse | undefined> {
  return new Promise((resolve) => {
    let done = false
    const finish = (answer: FuzzResponse | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      client?.destroy()
      resolve(answer)
    }
    let client: ReturnType<typeof request> | undefined
    const timer = setTimeout(() => finish({ ...closedAnswer('http'), kind: 'timeout' }), timeoutMs)
    const headers: Record<string, string> = {}
    for (const [name, value] of req.headers) headers[name] = value
    // node:http frames a body by itself only for some methods (not DELETE, OPTIONS): always declare it
    if (req.body) headers['Content-Length'] = String(req.body.length)
    try {
      client = request({
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.target,
        headers,
        agent: false,
      })
      client.on('error', () => finish(closedAnswer('http')))
      client.on('response', (res) => {
        const chunks: Buffer[] = []
        const flat = flatHeaders(res.rawHeaders)
        const streaming = res.statusCode === 200 && /text\/event-stream/.test(flat['content-type'] ?? '')
        let text = ''
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk)
          if (!streaming) return
          text += chunk.toString('utf8')
          if (connectedFrame.test(text))
            finish({
              kind: 'answer',
              status: 200,
              headers: flat,
              body: Buffer.alloc(0),
              stream: text,
              sentVia: 'http',
            })
        })
        res.on('end', () =>
          finish({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: flat,
            body: Buffer.concat(chunks),
            stream: streaming ? text : undefined,
            sentVia: 'http',
          }),
        )
        res.on('error', () => finish(closedAnswer('http')))
      })
      client.end(req.body)
    } catch {
      finish(undefined) // the client refused the input: it goes out raw instead
    }
  })
}

/** fetch (undici); undefined when it refuses the input itself (invalid header value, forbidden method). */
async function viaFetch(base: URL, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse | undefined> {
  const controller = new AbortController()
  let prepared: Request
  try {
    const headers = new Headers()
    for (const [name, value] of req.headers) headers.append(name, value)
    const init: RequestInit = { method: req.method, headers, signal: controller.signal, redirect: 'manual' }
    if (req.body && req.method !== 'GET' && req.method !== 'HEAD') init.body = new Uint8Array(req.body)
    // the origin and the target joined as text: new URL(target, base) would read '//x' as another host
    prepared = new Request(`${base.origin}${req.target}`, init)
    if (new URL(prepared.url).host !== base.host) return undefined // '@x' in the target names another host
  } catch {
    return undefined // fetch refuses the input itself: it goes out raw instead
  }
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  let res: Response
  try {
    res = await fetch(prepared)
  } catch {
    clearTimeout(timer)
    return controller.signal.aborted ? { ...closedAnswer('fetch'), kind: 'timeout' } : closedAnswer('fetch')
  }
  const headers: Record<string, string> = {}
  res.headers.forEach((value, name) => {
    headers[name] = value
  })
  try {
    if (res.status === 200 && /text\/event-stream/.test(headers['content-type'] ?? '') && res.body) {
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      let text = ''
      while (!connectedFrame.test(text)) {
        const { done, value } = await reader.read()
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
      await reader.cancel().catch(() => {})
      controller.abort()
      return { kind: 'answer', status: 200, headers, body: Buffer.alloc(0), stream: text, sentVia: 'fetch' }
    }
    const body = Buffer.from(await res.arrayBuffer())
    return { kind: 'answer', status: res.status, headers, body, sentVia: 'fetch' }
  } catch {
    return controller.signal.aborted
      ? { ...closedAnswer('fetch'), kind: 'timeout' }
      : { kind: 'answer', status: res.status, headers, body: Buffer.alloc(0), sentVia: 'fetch' }
  } finally {
    clearTimeout(timer)
  }
}

/** The request's bytes as written by hand: anything goes, framing included. */
export function rawBytes(base: URL, req: FuzzRequest): Buffer {
  const body = req.body ?? Buffer.alloc(0)
  const framing = req.framing ?? 'honest'
  const lines = [`Host: ${req.host ?? base.host}`, ...req.headers.map(([n, v]) => `${n}: ${v}`)]
  if (framing === 'honest' && (body.length > 0 || req.method === 'POST'))
    lines.push(`Content-Length: ${body.length}`)
  if (framing === 'short') lines.push(`Content-Length: ${body.length + 10}`)
  if (framing === 'long') lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`)
  if (framing === 'chunked' || framing === 'bad-chunked') lines.push('Transfer-Encoding: chunked')
  lines.push('Connection: close')
  // header text goes out byte for byte (latin1), the target as UTF-8 so non-ASCII reaches the parser raw
  const head = Buffer.concat([
    Buffer.from(`${req.method} `, 'latin1'),
    Buffer.from(req.target, 'utf8'),
    Buffer.from(` HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
  ])
  if (framing === 'chunked')
    return Buffer.concat([
      head,
      Buffer.from(`${body.length.toString(16)}\r\n`),
      body,
      Buffer.from(body.length > 0 ? '\r\n0\r\n\r\n' : '\r\n'),
    ])
  if (framing === 'bad-chunked')
    return Buffer.concat([head, Buffer.from('zz\r\n'), body, Buffer.from('\r\n')])
  return Buffer.concat([head, body])
}

function viaRaw(base: URL, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let done = false
    const socket = connect(Number(base.port), base.hostname)
    const finish = (answer: FuzzResponse) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => {
      const parsed = parseRaw(Buffer.concat(chunks))
      finish(parsed ?? { ...closedAnswer('raw'), kind: 'timeout' })
    }, timeoutMs)
    socket.on('connect', () => {
      socket.write(rawBytes(base, req))
      // a body shorter than declared is all the client will send: say so, the server must not wait forever
      if (req.framing === 'short') socket.end()
    })
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const parsed = parseRaw(Buffer.concat(chunks))
      if (parsed?.stream !== undefined && connectedFrame.test(parsed.stream)) finish(parsed)
      else if (parsed?.complete) finish(parsed)
    })
    const onClose = () => finish(parseRaw(Buffer.concat(chunks)) ?? closedAnswer('raw'))
    socket.on('end', onClose)
    socket.on('close', onClose)
    socket.on('error', onClose)
  })
}

/** Parses the first final (non-1xx) answer in raw bytes; undefined until its head is in. */
export function parseRaw(bytes: Buffer): (FuzzResponse & { complete: boolean }) | undefined {
  let rest = bytes
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) return undefined
    const head = rest.subarray(0, end).toString('latin1').split('\r\n')
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0)
    const headers: Record<string, string> = {}
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    const after = rest.subarray(end + 4)
    if (status >= 100 && status < 200) {
      rest = after
      continue
    }
    if (status === 200 && /text\/event-stream/.test(headers['content-type'] ?? '')) {
      const text = headers['transfer-encoding'] === 'chunked' ? dechunk(after).body : after
      return {
        kind: 'answer',
        status,
        headers,
        body: Buffer.alloc(0),
        stream: text.toString('utf8'),
        complete: false,
        sentVia: 'raw',
      }
    }
    if (headers['transfer-encoding'] === 'chunked') {
      const { body, complete } = dechunk(after)
      return { kind: 'answer', status, headers, body, complete, sentVia: 'raw' }
    }
    const length = Number(headers['content-length'] ?? Number.NaN)
    if (Number.isFinite(length))
      return {
        kind: 'answer',
        status,
        headers,
        body: after.subarray(0, length),
        complete: after.length >= length,
        sentVia: 'raw',
      }
    return { kind: 'answer', status, headers, body: after, complete: false, sentVia: 'raw' }
  }
}

function dechunk(bytes: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = bytes.indexOf('\r\n', at)
    if (eol < 0) return { body: Buffer.concat(parts), complete: false }
    const size = Number.parseInt(bytes.subarray(at, eol).toString('latin1'), 16)
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false }
    if (size === 0) return { body: Buffer.concat(parts), complete: true }
    parts.push(bytes.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
    if (at > bytes.length) return { body: Buffer.concat(parts), complete: false }
  }
}

function flatHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]}, ${raw[i + 1]}`
  }
  return headers
}
