import { randomBytes } from 'node:crypto'
import { validatePublish } from '../dispatcher/publish-input'
import { ErrorCode, LikewireError } from '../protocol/errors'

export interface PublisherOptions {
  /** Base URLs of dispatchers (or standalone nodes); a failed one is skipped for the next. */
  dispatchers: string[]
  /** Sent as `Authorization: Bearer <apiKey>`. @default undefined */
  apiKey?: string | undefined
  /**
   * Attempts per batch across dispatchers before the publish fails.
   * @default dispatchers.length, at least 2
   */
  maxAttempts?: number | undefined
  /**
   * Per-request timeout; above dispatchers' frontend timeout (3 s), so a dispatcher answers before a retry
   * elsewhere could deliver twice.
   * @default 10000
   */
  timeoutMs?: number | undefined
  /** Most events sent in one request. @default 500 */
  maxBatchSize?: number | undefined
  /** Most bytes of event data in one request (keep it under the dispatchers' `maxRequestBytes`). @default 524288 */
  maxBatchBytes?: number | undefined
  /** Largest JSON `data` of one event, checked before sending (the server's `maxPayloadBytes`). @default 65536 */
  maxPayloadBytes?: number | undefined
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch | undefined
  /**
   * Send an idempotency key with every event, so a batch retried on another dispatcher after a timeout is
   * recorded and delivered once on history topics (ignored on fire-and-forget topics).
   * @default true
   */
  idempotencyKeys?: boolean | undefined
}

export interface Publisher {
  /** Publishes one event; resolves with its id once a dispatcher accepted it (202). */
  publish(topic: string, data: unknown): Promise<{ id: string }>
  /** Stops accepting publishes; those already queued are still sent. */
  close(): Promise<void>
}

interface Queued {
  topic: string
  /** The event's JSON, serialized once when published: one caller's bad data never fails a shared batch. */
  json: string
  /** Its size in UTF-8 bytes, what the dispatcher's body limit counts. */
  bytes: number
  resolve: (value: { id: string }) => void
  reject: (error: unknown) => void
}

/** A failure worth another dispatcher: network errors, timeouts, 5xx. A 4xx is the caller's and final. */
class Retryable extends Error {}

/**
 * For app backends (the talk's likes backend): publishes over HTTP, batching what is published in one
 * tick, failing over to the next dispatcher. A publish resolves only on a 202: nothing is reported
 * published that no dispatcher accepted.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  if (options.dispatchers.length === 0) throw new Error('createPublisher: give at least one dispatcher URL')
  const doFetch = options.fetch ?? globalThis.fetch
  const maxAttempts = options.maxAttempts ?? Math.max(2, options.dispatchers.length)
  const maxBatch = options.maxBatchSize ?? 500
  const maxBatchBytes = options.maxBatchBytes ?? 512 * 1024
  const maxPayloadBytes = options.maxPayloadBytes ?? 64 * 1024
  let next = 0
  let queue: Queued[] = []
  let scheduled = false
  let closed = false
  const inFlight = new Set<Promise<void>>()

  async function post(url: string, batch: Queued[]): Promise<string[]> {
    let res: Response
    try {
      res = await doFetch(`${url}/v1/publish`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: `{"events":[${batch.map((item) => item.json).join(',')}]}`,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      })
    } catch (error) {
      throw new Retryable(`${url}: ${error instanceof Error ? error.message : String(error)}`)
    }
    const body = (await res.json().catch(() => null)) as {
      ids?: string[]
      error?: { code: string; message: string }
    } | null
    if (res.status === 202 && body?.ids?.length === batch.length) return body.ids
    if (res.status >= 400 && res.status < 500 && body?.error) {
      throw new LikewireError(res.status as 400, body.error.code as ErrorCode, body.error.message)
    }
    throw new Retryable(`${url} answered ${res.status}`)
  }

  async function send(batch: Queued[]): Promise<void> {
    let lastError: unknown
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const url = options.dispatchers[next++ % options.dispatchers.length]!
      try {
        const ids = await post(url, batch)
        for (const [i, item] of batch.entries()) item.resolve({ id: ids[i]! })
        return
      } catch (error) {
        lastError = error
        if (!(error instanceof Retryable)) break
      }
    }
    const error =
      lastError instanceof Retryable
        ? new LikewireError(
            503,
            ErrorCode.unavailable,
            `No dispatcher accepted the publish: ${lastError.message}`,
          )
        : lastError
    for (const item of batch) item.reject(error)
  }

  function flush(): void {
    scheduled = false
    let batch: Queued[] = []
    let bytes = 0
    const sendBatch = () => {
      const sending = send(batch).finally(() => inFlight.delete(sending))
      inFlight.add(sending)
      batch = []
      bytes = 0
    }
    for (const item of queue) {
      if (batch.length > 0 && (batch.length >= maxBatch || bytes + item.bytes > maxBatchBytes)) sendBatch()
      batch.push(item)
      bytes += item.bytes
    }
    queue = []
    if (batch.length > 0) sendBatch()
  }

  /** The event's JSON, or the error a dispatcher would answer for it (the dispatcher's own check). */
  const keyPrefix = randomBytes(9).toString('base64url')
  let keyCounter = 0
  function serialize(topic: string, data: unknown): string {
    const { dataJson } = validatePublish({ topic, data }, maxPayloadBytes)
    // unique per event and publisher process: the same for every attempt of this event
    const key =
      options.idempotencyKeys === false ? '' : `,"key":"${keyPrefix}.${(keyCounter++).toString(36)}"`
    return `{"topic":${JSON.stringify(topic)}${key},"data":${dataJson}}`
  }

  return {
    publish(topic, data) {
      if (closed) return Promise.reject(new Error('The publisher is closed'))
      // checked here so one caller's bad event never fails a batch shared with other callers
      let json: string
      try {
        json = serialize(topic, data)
      } catch (error) {
        return Promise.reject(error)
      }
      return new Promise((resolve, reject) => {
        queue.push({ topic, json, bytes: Buffer.byteLength(json), resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })
    },
    async close() {
      closed = true
      flush()
      await Promise.all(inFlight)
    },
  }
}
