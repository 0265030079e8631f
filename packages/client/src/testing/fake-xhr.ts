// Test-only fake XMLHttpRequest, driven the way React Native's fires events.
import type { XhrConstructor, XhrLike } from '../transport/xhr'

export interface FakeXhrInstance extends XhrLike {
  method: string
  url: string
  requestHeaders: Record<string, string>
  body: string | null | undefined
  aborted: boolean
  /** Headers received with `status`; any other status than 200 completes at once with its error body. */
  respond(status: number, code?: string): void
  /** More response text, with a readystatechange (3) and a progress event. */
  push(text: string): void
  /** The response is complete. */
  finish(): void
  /** A network failure. */
  fail(): void
}

type PostAnswer = { status: number; body: unknown }

/** `respondToPost` may answer later (a promise), so a test can hold a POST in flight. */
export function createFakeXhr(respondToPost: (xhr: FakeXhrInstance) => PostAnswer | Promise<PostAnswer>) {
  const instances: FakeXhrInstance[] = []

  class FakeXhr implements FakeXhrInstance {
    readyState = 0
    status = 0
    responseText = ''
    onreadystatechange: XhrLike['onreadystatechange'] = null
    onprogress: XhrLike['onprogress'] = null
    onerror: XhrLike['onerror'] = null
    onload: XhrLike['onload'] = null
    method = ''
    url = ''
    requestHeaders: Record<string, string> = {}
    body: string | null | undefined
    aborted = false

    open(method: string, url: string) {
      this.method = method
      this.url = url
      this.readyState = 1
    }
    setRequestHeader(name: string, value: string) {
      this.requestHeaders[name.toLowerCase()] = value
    }
    send(body?: string | null) {
      this.body = body
      instances.push(this)
      if (this.method === 'POST') {
        void Promise.resolve(respondToPost(this)).then((answer) => {
          if (this.aborted) return
          this.status = answer.status
          this.responseText = JSON.stringify(answer.body)
          this.readyState = 4
          this.onreadystatechange?.()
          this.onload?.()
        })
      }
    }
    abort() {
      this.aborted = true
    }
    respond(
      status: number,
      code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'unavailable',
    ) {
      this.status = status
      this.readyState = 2
      this.onreadystatechange?.()
      if (status === 200 || this.aborted) return
      // an error answer is short: its body and the end arrive right after the headers, as a real one does
      this.responseText = JSON.stringify({ error: { code, message: code } })
      this.readyState = 4
      this.onreadystatechange?.()
      this.onload?.()
    }
    push(text: string) {
      this.responseText += text
      this.readyState = 3
      this.onreadystatechange?.()
      this.onprogress?.()
    }
    finish() {
      this.readyState = 4
      this.onreadystatechange?.()
    }
    fail() {
      this.status = 0
      this.readyState = 4
      this.onreadystatechange?.()
      this.onerror?.()
    }
  }

  return {
    XMLHttpRequest: FakeXhr as XhrConstructor,
    instances,
    connects: () => instances.filter((x) => x.method === 'GET'),
    posts: () => instances.filter((x) => x.method === 'POST'),
  }
}
