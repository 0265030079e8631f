import { isMemberId, MAX_MEMBER_ID_LENGTH, type MemberPresence } from '@likewire/client'
import { useMemo, useSyncExternalStore } from 'react'
import { useLikewireClient } from './useLikewireClient'
import { createWatchStore } from './watchStore'

const getServerSnapshot = () => null
const samePresence = (a: MemberPresence, b: MemberPresence) =>
  a.memberId === b.memberId && a.status === b.status && a.since === b.since

/**
 * A member's presence (`{ memberId, status, since }`) through `client.watchPresence`: null until the
 * server's snapshot (or the client's current state) arrives, and again after `memberId` changes; the same
 * object until the status changes. `memberId` null or undefined watches nothing. An invalid member id
 * throws a TypeError during render.
 */
export function usePresence(memberId: string | null | undefined): MemberPresence | null {
  if (memberId != null && !isMemberId(memberId))
    throw new TypeError(
      `usePresence: invalid member id ${JSON.stringify(memberId)}: use 1-${MAX_MEMBER_ID_LENGTH} characters, no control characters`,
    )
  const client = useLikewireClient()
  const store = useMemo(
    () =>
      createWatchStore<MemberPresence>(
        memberId == null ? null : (onValue) => client.watchPresence(memberId, onValue),
        samePresence,
      ),
    [client, memberId],
  )
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot)
}
