import type { LikewireClient } from '@likewire/client'
import { useContext } from 'react'
import { LikewireContext } from './LikewireProvider'

/** The client from the nearest `<LikewireProvider>`; throws when there is none. */
export function useLikewireClient(): LikewireClient {
  const client = useContext(LikewireContext)
  if (!client) {
    throw new Error(
      'useLikewireClient: no LikewireClient found; wrap your tree in <LikewireProvider client={…}>',
    )
  }
  return client
}
