// Servers with identified members for the presence hooks' tests: `authenticate` names the member from
// `x-member` (as a JWT's `sub` would), graces are short and never measured.
import type { ClientOptions, LikewireClient } from '@likewire/client'
import type { createLikewire } from '@likewire/server'
import type { Harness } from './harness'

export const presenceServer: Parameters<typeof createLikewire>[0] = {
  logLevel: 'silent',
  processMetrics: false,
  retryMs: 100,
  viewerCountIntervalMs: 50,
  presence: { graceMs: 300, intervalMs: 50 },
  authenticate: (request) => {
    const member = request.headers.get('x-member')
    return member === null ? {} : { memberId: member }
  },
}

/** A browser of member `id` with a connection subscribed to `topics`. */
export function memberClient(h: Harness, id: string, topics: string[] = ['elsewhere']): LikewireClient {
  const client = h.client({ headers: { 'x-member': id }, backoff: { baseMs: 20, maxMs: 200 } })
  for (const topic of topics) client.subscribe(topic, () => {})
  return client
}

/** A fetch whose connects wait while the gate is shut: what changes meanwhile comes only with the next snapshot. */
export function gatedFetch(): { fetch: NonNullable<ClientOptions['fetch']>; shut(): void; open(): void } {
  let open: () => void = () => {}
  let gate: Promise<void> = Promise.resolve()
  return {
    fetch: async (input, init) => {
      if (init?.method !== 'POST') await gate
      return globalThis.fetch(input, init)
    },
    shut() {
      gate = new Promise((resolve) => {
        open = resolve
      })
    },
    open: () => open(),
  }
}
