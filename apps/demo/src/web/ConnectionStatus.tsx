import type { ConnectionState } from '@likewire/react'
import { useConnectionState } from '@likewire/react'
import { useEffect, useState } from 'react'
import { useNow } from './useNow'

type Shown = 'connecting' | 'connected' | 'reconnecting' | 'offline'

function useBrowserOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine))
  useEffect(() => {
    const update = () => setOnline(navigator.onLine)
    window.addEventListener('online', update)
    window.addEventListener('offline', update)
    return () => {
      window.removeEventListener('online', update)
      window.removeEventListener('offline', update)
    }
  }, [])
  return online
}

function shownStatus(state: ConnectionState, online: boolean): Shown {
  if (!online || state.reason === 'offline') return 'offline'
  if (state.status === 'closed') return state.reason === null ? 'connecting' : 'offline'
  return state.status
}

/** The connection indicator: connected, reconnecting with the retry countdown, or offline. */
export function ConnectionStatus() {
  const state = useConnectionState()
  const online = useBrowserOnline()
  const shown = shownStatus(state, online)
  const now = useNow(250, shown === 'reconnecting' && state.nextRetryAt !== null)

  let label: string
  switch (shown) {
    case 'connected':
      label = 'Connected'
      break
    case 'connecting':
      label = 'Connecting…'
      break
    case 'offline':
      label = online ? 'Disconnected' : 'Offline'
      break
    case 'reconnecting': {
      const seconds = state.nextRetryAt === null ? 0 : Math.ceil((state.nextRetryAt - now) / 1000)
      label = seconds > 0 ? `Reconnecting in ${seconds}s` : 'Reconnecting…'
      break
    }
  }

  return (
    <output className={`connection connection-${shown}`} data-testid="connection-status" data-status={shown}>
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </output>
  )
}
