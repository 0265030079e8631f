import { createClient } from '@likewire/client'
import { LikewireProvider } from '@likewire/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { guest } from './guest'
import './styles.css'

// One client for the page, created once outside render; the demo server mounts Likewire at /realtime.
const client = createClient({
  url: new URL('/realtime', window.location.href).href,
  // A demo restarts often: come back within a few seconds rather than the default 30 s cap.
  backoff: { maxMs: 5_000 },
  // Every stream is this browser's guest: a fresh token (`sub` = the guest id) before every connect.
  getToken: guest.connectToken,
  // The tabs of this browser are one guest (its localStorage), so they share one stream whatever
  // token each would get; the leader tab's getToken serves them all.
  share: { key: 'likewire-demo-guest' },
})

// learn who we are (made by the first tab, read from storage by the others) for the page's own use
void guest.ensure().catch(() => {})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LikewireProvider client={client}>
      <App />
    </LikewireProvider>
  </StrictMode>,
)
