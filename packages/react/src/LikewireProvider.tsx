import type { LikewireClient } from '@likewire/client'
import { createContext, type ReactNode } from 'react'

/** Holds the app's client; null means no provider above. */
export const LikewireContext = createContext<LikewireClient | null>(null)

export interface LikewireProviderProps {
  /** The client every hook below uses. Create it once, outside render (`createClient({ url })`); the provider never closes it. */
  client: LikewireClient
  /** The tree that may call Likewire hooks. */
  children?: ReactNode
}

/** Makes `client` available to `useTopic`, `useTopicEvents`, `useConnectionState` and `useViewerCount`. */
export function LikewireProvider({ client, children }: LikewireProviderProps) {
  return <LikewireContext.Provider value={client}>{children}</LikewireContext.Provider>
}
