import type { HttpResponse, StreamHandlers, Transport } from './transport'

/** The part of XMLHttpRequest we use, so React Native's and test fakes fit. */
export interface XhrLike {
  readyState: number
  status: number
  responseText: string
  onreadystatechange: ((this: XhrLike, ev?: unknown) => unknown) | null
  onprogress: ((this: XhrLike, ev?: unknown) => unknown) | null
  onerror: ((this: XhrLike, ev?: unknown) => unknown) | null
  onload: ((this: XhrLike, ev?: unknown) => unknown) | null
  open(method: string, url: string): void
  setRequestHeader(name: string, value: string): void
  send(body?: string | null): void
  abort(): void
}

export type XhrConstructor = new () => XhrLike

/** How the XMLHttpRequest transport bounds its memory. */
export interface XhrTransportOptions {
  /** Past this many characters of `responseText`, the stream reports `onResponseLimit`. */
  maxResponseChars: number
}

/** 4 MiB of characters: `responseText` keeps the whole stream, so it is replaced past this. */
export const DEFAULT_XHR_MAX_RESPONSE_CHARS = 4 * 1024 * 1024

const HEADERS_RECEIVED = 2
const LOADING = 3
const DONE = 4

/** Streams with XMLHttpRequest progress (React Native): reads responseText's new tail on each event. */
export function xhrTransport(
  Xhr: XhrConstructor,
  options: XhrTransportOptions = { maxResponseChars: DEFAULT_XHR_MAX_RESPONSE_CHARS },
): Transport {
  return {
    stream(url, headers, handlers: StreamHandlers) {
      const xhr = new Xhr()
      let finished = false
      let responded = false
      let seen = 0
      let overLimit = false
      const pump = () => {
        if (finished) return
        if (!responded && xhr.readyState >= HEADERS_RECEIVED && xhr.status !== 0) {
          // an error answer is handed over whole: its JSON code tells 401 token_expired from 401 unauthorized
          if (xhr.status !== 200 && xhr.readyState < DONE) return
          responded = true
          handlers.onResponse(xhr.status, xhr.status === 200 ? undefined : (xhr.responseText ?? ''))
          if (finished || xhr.status !== 200) return
        }
        if (responded && xhr.status === 200 && xhr.readyState >= LOADING) {
          const text = xhr.responseText ?? ''
          if (text.length > seen) {
            // some platforms keep a UTF-8 BOM in responseText; the first chunk is where it can be
            const chunk = seen === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text.slice(seen)
            seen = text.length
            handlers.onChunk(chunk)
            if (!overLimit && !finished && seen > options.maxResponseChars) {
              overLimit = true
              handlers.onResponseLimit?.()
            }
          }
        }
      }
      const end = (error?: unknown) => {
        if (finished) return
        finished = true
        handlers.onEnd(error)
      }
      xhr.onprogress = pump
      xhr.onreadystatechange = () => {
        pump()
        if (xhr.readyState === DONE) end(responded ? undefined : new Error('XMLHttpRequest network error'))
      }
      xhr.onerror = () => end(new Error('XMLHttpRequest network error'))
      xhr.open('GET', url)
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
      xhr.send()
      return () => {
        if (finished) return
        finished = true
        xhr.abort()
      }
    },
    post(url, headers, body, signal) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const xhr = new Xhr()
        const onAbort = () => {
          xhr.abort()
          reject(new Error('XMLHttpRequest aborted'))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        const settle = () => signal?.removeEventListener('abort', onAbort)
        xhr.onload = () => {
          settle()
          resolve({ status: xhr.status, body: xhr.responseText ?? '' })
        }
        xhr.onerror = () => {
          settle()
          reject(new Error('XMLHttpRequest network error'))
        }
        xhr.open('POST', url)
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
        xhr.send(body)
      })
    },
  }
}
