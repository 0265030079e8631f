import type { IncomingMessage, ServerResponse } from 'node:http'

/** What every Node baseline's publish route hands its fan-out: the body of `POST /v1/publish`. */
export type PublishMany = (events: readonly { topic: string; data: unknown }[]) => void

/** `{ events: [{ topic, data }] }` (Likewire's batch shape), or null when the body is not one. */
export function readEvents(body: unknown): Array<{ topic: string; data: unknown }> | null {
  const events = (body as { events?: unknown } | null)?.events
  if (!Array.isArray(events)) return null
  return events.every((e) => typeof e?.topic === 'string') ? events : null
}

/**
 * The Node baselines' publish API, as Likewire's: `POST /v1/publish` with a batch, 202 once handed to the
 * fan-out, so the bench's publisher process reaches every target the same way.
 */
export function publishFetch(publishMany: PublishMany) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (url.pathname !== '/v1/publish') return new Response(null, { status: 404 })
    if (request.method !== 'POST') return new Response(null, { status: 405 })
    const events = readEvents(await request.json().catch(() => null))
    if (!events) return new Response(null, { status: 400 })
    publishMany(events)
    return new Response(null, { status: 202 })
  }
}

/** The same route on `node:http` (better-sse's own ground). */
export function publishNode(publishMany: PublishMany) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let events: ReturnType<typeof readEvents> = null
      try {
        events = readEvents(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {}
      if (events) publishMany(events)
      res.writeHead(events ? 202 : 400).end()
    })
  }
}
