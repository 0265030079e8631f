// @vitest-environment node
import { createClient, type LikewireEvent } from '@likewire/client'
import { StrictMode } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { LikewireProvider } from './LikewireProvider'
import { useConnectionState } from './useConnectionState'
import { useMembers } from './useMembers'
import { usePresence } from './usePresence'
import { useTopic } from './useTopic'
import { useTopicEvents } from './useTopicEvents'
import { useViewerCount } from './useViewerCount'

function LivePage() {
  const received: LikewireEvent[] = []
  useTopic('live:1:likes', (e) => received.push(e))
  const comments = useTopicEvents('live:1:comments', { limit: 5 })
  const viewers = useViewerCount('live:1')
  const { status } = useConnectionState()
  const host = usePresence('auth0|host')
  const members = useMembers('live:1')
  return (
    <p>
      {status}|{comments.length}|{viewers ?? 'none'}|{received.length}|{host?.status ?? 'unknown'}|
      {members?.count ?? 'none'}
    </p>
  )
}

describe('server rendering', () => {
  it('renders every hook under the provider without a window and opens no connection', () => {
    expect(typeof window).toBe('undefined')
    const fetch = vi.fn<typeof globalThis.fetch>(() => Promise.reject(new Error('no request during SSR')))
    const client = createClient({ url: 'http://127.0.0.1:1', fetch })
    const subscribe = vi.spyOn(client, 'subscribe')
    const html = renderToString(
      <StrictMode>
        <LikewireProvider client={client}>
          <LivePage />
        </LikewireProvider>
      </StrictMode>,
    )
    expect(html).toBe(
      '<p>closed<!-- -->|<!-- -->0<!-- -->|<!-- -->none<!-- -->|<!-- -->0<!-- -->|<!-- -->unknown<!-- -->|<!-- -->none</p>',
    )
    expect(subscribe).not.toHaveBeenCalled()
    expect(fetch).not.toHaveBeenCalled()
    client.close()
  })
})
