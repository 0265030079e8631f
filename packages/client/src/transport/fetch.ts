import type { HttpResponse, Transport } from './transport'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/** Streams with `fetch` and `response.body` (browsers, Node 18+). */
export function fetchTransport(fetchFn: FetchLike): Transport {
  return {
    stream(url, headers, handlers) {
      let aborted = false
      // AbortController exists in browsers, Node and React Native >= 0.60; without it we still stop reading
      const controller = typeof AbortController === 'function' ? new AbortController() : null
      let reader: ReadableStreamDefaultReader<Uint8Array> | null = null
      const run = async () => {
        const response = await fetchFn(url, {
          headers,
          cache: 'no-store',
          signal: controller?.signal ?? null,
        })
        if (aborted) return
        if (response.status !== 200) {
          // an error answer is read whole: its JSON code tells 401 token_expired from 401 unauthorized
          const body = await response.text().catch(() => '')
          if (aborted) return
          handlers.onResponse(response.status, body)
          if (!aborted) handlers.onEnd()
          return
        }
        handlers.onResponse(200)
        if (aborted) return
        if (!response.body) throw new Error("fetch has no streaming body here: use transport: 'xhr'")
        reader = response.body.getReader()
        const decoder = new TextDecoder() // stream mode keeps a character split across chunks whole
        for (;;) {
          const { done, value } = await reader.read()
          if (aborted) return
          if (done) break
          handlers.onChunk(decoder.decode(value, { stream: true }))
        }
        const rest = decoder.decode()
        if (rest) handlers.onChunk(rest)
        handlers.onEnd()
      }
      run().catch((error: unknown) => {
        if (!aborted) handlers.onEnd(error)
      })
      return () => {
        if (aborted) return
        aborted = true
        controller?.abort()
        reader?.cancel().catch(() => {}) // the abort already rejects the pending read
      }
    },
    async post(url, headers, body, signal): Promise<HttpResponse> {
      const response = await fetchFn(url, { method: 'POST', headers, body, signal: signal ?? null })
      return { status: response.status, body: await response.text() }
    },
  }
}
