// A minimal XMLHttpRequest over node:http, firing events the way React Native's does: enough for the xhr transport.
import { type ClientRequest, request } from 'node:http'
import type { XhrConstructor, XhrLike } from '../src/index'

const HEADERS_RECEIVED = 2
const LOADING = 3
const DONE = 4

export interface NodeXhrOptions {
  /** Holds each streamed GET's response this long before the first byte shows: a slow network path. */
  responseDelayMs?: number
}

export interface NodeXhrInstance extends XhrLike {
  readonly method: string
  readonly aborted: boolean
}

/** An XMLHttpRequest class over node:http, and every instance it made (so a test can count streams). */
export function createNodeXhr(options: NodeXhrOptions = {}) {
  const instances: NodeXhrInstance[] = []

  class NodeXhr implements NodeXhrInstance {
    readyState = 0
    status = 0
    responseText = ''
    onreadystatechange: XhrLike['onreadystatechange'] = null
    onprogress: XhrLike['onprogress'] = null
    onerror: XhrLike['onerror'] = null
    onload: XhrLike['onload'] = null
    method = ''
    aborted = false
    private url = ''
    private readonly headers: Record<string, string> = {}
    private req: ClientRequest | null = null
    // response steps wait here while the response is held back, so their order is kept
    private held: Array<() => void> | null = null

    constructor() {
      instances.push(this)
    }

    open(method: string, url: string): void {
      this.method = method
      this.url = url
      this.readyState = 1
    }

    setRequestHeader(name: string, value: string): void {
      this.headers[name] = value
    }

    send(body?: string | null): void {
      const delayMs = this.method === 'GET' ? (options.responseDelayMs ?? 0) : 0
      const req = request(this.url, { method: this.method, headers: this.headers }, (res) => {
        if (delayMs > 0) {
          this.held = []
          setTimeout(() => {
            const steps = this.held ?? []
            this.held = null
            for (const step of steps) step()
          }, delayMs)
        }
        this.step(() => {
          this.status = res.statusCode ?? 0
          this.readyState = HEADERS_RECEIVED
          this.onreadystatechange?.()
        })
        res.setEncoding('utf8') // a character split across chunks stays whole, as in responseText
        res.on('data', (text: string) =>
          this.step(() => {
            this.responseText += text
            this.readyState = LOADING
            this.onreadystatechange?.()
            this.onprogress?.()
          }),
        )
        res.on('end', () =>
          this.step(() => {
            this.readyState = DONE
            this.onreadystatechange?.()
            this.onload?.()
          }),
        )
        res.on('error', () => this.step(() => this.fail()))
      })
      req.on('error', () => this.fail())
      this.req = req
      req.end(body ?? undefined)
    }

    abort(): void {
      if (this.aborted) return
      this.aborted = true
      this.held = null
      this.req?.destroy()
    }

    private step(run: () => void): void {
      if (this.aborted) return
      if (this.held) this.held.push(() => this.step(run))
      else run()
    }

    private fail(): void {
      if (this.aborted || this.readyState === DONE) return
      this.status = 0
      this.readyState = DONE
      this.onreadystatechange?.()
      this.onerror?.()
    }
  }

  return { XMLHttpRequest: NodeXhr as XhrConstructor, instances }
}
