import { type ConnectionState, INITIAL_STATE } from '@likewire/client'
import { useCallback, useSyncExternalStore } from 'react'
import { useLikewireClient } from './useLikewireClient'

// a server never opens the stream, so SSR and hydration see a fresh client's state ('closed', reason null)
const getServerSnapshot = () => INITIAL_STATE

/**
 * The client's connection state (`status`, `reason`, `nextRetryAt`, `connectionId`, `attempt`).
 * Re-renders on every change; between changes it is the same object, as `client.state` is.
 */
export function useConnectionState(): ConnectionState {
  const client = useLikewireClient()
  const subscribe = useCallback((onChange: () => void) => client.onStateChange(() => onChange()), [client])
  const getSnapshot = useCallback(() => client.state, [client])
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot)
}
