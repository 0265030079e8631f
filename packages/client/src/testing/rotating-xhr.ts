// A client on the fake XMLHttpRequest whose stream passes a small response bound, for the rotation tests.
import { expect } from 'vitest'
import { createClient } from '../create-client'
import type { LikewireEvent } from '../event'
import type { ClientOptions } from '../options'
import { createFakeXhr } from './fake-xhr'
import { fakeOnline, frame, settle } from './harness'

type Answer = { status: number; body: unknown }

/** A client on the fake XHR with a small bound; `hold(connectionId)` keeps that stream's POSTs in flight. */
export async function setupBounded(maxChars = 400, options: Partial<ClientOptions> = {}) {
  const held = new Map<string, Array<() => void>>()
  const xhr = createFakeXhr((req) => {
    const body = JSON.parse(req.body ?? '{}') as { connectionId: string; topics: string[] }
    const answer: Answer = { status: 200, body: { topics: body.topics } }
    const queue = held.get(body.connectionId)
    if (!queue) return answer
    return new Promise<Answer>((resolve) => queue.push(() => resolve(answer)))
  })
  const client = createClient({
    url: 'http://rt.test',
    XMLHttpRequest: xhr.XMLHttpRequest,
    xhrMaxResponseChars: maxChars,
    onlineSource: fakeOnline().source,
    random: () => 0,
    onError: () => {},
    ...options,
  })
  const statuses: string[] = []
  client.onStateChange(({ newState }) => statuses.push(newState.status))
  const received: LikewireEvent[] = []
  client.subscribe('likes', (e) => received.push(e))
  await settle()
  const first = xhr.connects()[0]!
  first.respond(200)
  first.push(`${frame.retry(2000)}${frame.connected('x1')}`)
  await settle()
  expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x1' })
  return {
    xhr,
    client,
    received,
    statuses,
    first,
    hold: (connectionId: string) => held.set(connectionId, []),
    release: (connectionId: string) => {
      for (const answer of held.get(connectionId) ?? []) answer()
      held.delete(connectionId)
    },
  }
}

/** The frames of data events `from..to` for `topic` (ids `e<n>`). */
export const events = (topic: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => frame.data(topic, `e${from + i}`, from + i)).join('')
