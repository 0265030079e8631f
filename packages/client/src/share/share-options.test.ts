// The share channel's name: versioned, so tabs of builds whose share messages differ never meet.
import { afterEach, describe, expect, it } from 'vitest'
import type { LikewireClient } from '../api'
import { createClient } from '../create-client'
import type { ChannelLike } from './messages'
import { channelName } from './share-options'

const clients: LikewireClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
})

describe('channelName', () => {
  it('is likewire:v2: and a hash of the key (never the key itself), the same for the same key', () => {
    const name = channelName('user-1')
    expect(name).toMatch(/^likewire:v2:[0-9a-z]+$/)
    expect(name).not.toContain('user-1')
    expect(channelName('user-1')).toBe(name)
    expect(channelName('user-2')).not.toBe(name)
  })

  it('names the channel and the leader lock a shared client uses', async () => {
    const names: string[] = []
    const locks: string[] = []
    const client = createClient({
      url: 'http://rt.test',
      fetch: () => new Promise<Response>(() => {}), // never answers: only the names matter here
      onError: () => {},
      share: {
        key: 'ann',
        channel: (name) => {
          names.push(name)
          const channel: ChannelLike = { postMessage() {}, onmessage: null, close() {} }
          return channel
        },
        locks: {
          request(name) {
            locks.push(name)
            return new Promise(() => {})
          },
        },
      },
    })
    clients.push(client)
    client.subscribe('likes', () => {})
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(names).toEqual([channelName('ann')])
    expect(names[0]).toMatch(/^likewire:v2:/)
    expect(locks).toEqual([`${channelName('ann')}:leader`])
  })
})
