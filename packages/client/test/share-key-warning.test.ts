// getToken with shared tabs and no share.key warns once a page (its own file: the once is per module).
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'
import type { ChannelLike } from '../src/share/messages'
import type { ShareOptions } from '../src/share/share-options'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const tabs: LikewireClient[] = []
const channels: ChannelLike[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const tab of tabs.splice(0)) tab.close()
  for (const channel of channels.splice(0)) channel.close()
  await lw?.close()
  await listening?.close()
})

const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })

describe('getToken with shared tabs', () => {
  it('warns once when no share.key names the user; never with a key, nor without getToken', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false, retryMs: 100 })
    listening = await listen(lw.app, { port: 0 })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const locks = fakeLocks()
    const tab = (options: { getToken?: () => string; key?: string }) => {
      const share: ShareOptions = {
        locks,
        collectMs: 30,
        key: options.key,
        channel: (name) => {
          const channel = new BroadcastChannel(name) as unknown as ChannelLike
          channels.push(channel)
          return channel
        },
      }
      const client = createClient({
        url: listening!.url,
        getToken: options.getToken,
        share,
        onError: () => {},
      })
      tabs.push(client)
      client.subscribe('likes', () => {})
      return client
    }
    tab({ getToken: () => 'ann-token', key: 'ann' })
    tab({})
    expect(warn).not.toHaveBeenCalled()
    const keyless = [tab({ getToken: () => 'bob-token' }), tab({ getToken: () => 'bob-token' })]
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toMatch(/no share\.key.*share: \{ key: userId \}/)
    // a warning, nothing more: the tabs work as before (the same token, one group)
    await eventually(() => expect(keyless.map((t) => t.state.status)).toEqual(['connected', 'connected']))
    expect(warn).toHaveBeenCalledTimes(1)
  })
})
