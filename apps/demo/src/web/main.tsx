import { createClient } from '@likewire/client'
import { LikewireProvider } from '@likewire/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import './styles.css'

// One client for the page, created once outside render; the demo server mounts Likewire at /realtime.
const client = createClient({
  url: new URL('/realtime', window.location.href).href,
  // A demo restarts often: come back within a few seconds rather than the default 30 s cap.
  backoff: { maxMs: 5_000 },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LikewireProvider client={client}>
      <App />
    </LikewireProvider>
  </StrictMode>,
)
