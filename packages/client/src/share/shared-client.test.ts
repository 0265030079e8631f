import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LikewireClient } from '../api'
import { createClient } from '../create-client'
import type { ChannelLike, ShareMessage } from './messages'

/** A channel the test speaks on as the other tabs: what this tab posts, and messages handed to it. */
function scriptedChannel() {
  const posted: ShareMessage[] = []
  const channel: ChannelLike = {
    postMessage: (message) => void posted.push(message as ShareMessage),
    onmessage: null,
    close: () => {},
  }
  return { channel, posted, say: (message: ShareMessage) => channel.onmessage?.({ data: message }) }
}

// a lock this tab waits for forever: it stays a follower, whatever the test's "leader" does
const neverGranted = { request: () => new Promise<unknown>(() => {}) }

const clients: LikewireClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
})

describe('a follower tab', () => {
  it('hands its subscriptions to the same tab again when it leads under a new term, and ignores the old term', async () => {
    const { channel, posted, say } = scriptedChannel()
    const client = createClient({
      url: 'http://127.0.0.1:9/unused',
      share: { key: 'k', channel: () => channel, locks: neverGranted },
    })
    clients.push(client)
    const got: unknown[] = []
    client.subscribe('t', (event) => got.push(event.data))
    await vi.waitFor(() => expect(posted.some((m) => m.k === 'hello')).toBe(true))
    const self = posted.find((m) => m.k === 'hello')!.from
    const subsTo = () => posted.filter((m) => m.k === 'subs' && m.to === 'L')

    say({ k: 'leader', from: 'L', term: 1 })
    expect(subsTo()).toHaveLength(1)
    const sub = (subsTo()[0] as Extract<ShareMessage, { k: 'subs' }>).subs[0]!
    expect(sub.topic).toBe('t')

    // the same tab leads again (it resigned and was granted the lock anew): its new hub has nothing of ours
    say({ k: 'leader', from: 'L', term: 2 })
    expect(subsTo()).toHaveLength(2)

    const event = { topic: 't', id: 'e1', ts: 1, data: 'new' }
    say({
      k: 'out',
      from: 'L',
      term: 1,
      items: [{ tab: self, sub: sub.id, event: { ...event, data: 'old' } }],
    })
    say({ k: 'out', from: 'L', term: 2, items: [{ tab: self, sub: sub.id, event }] })
    expect(got).toEqual(['new'])
  })
})
