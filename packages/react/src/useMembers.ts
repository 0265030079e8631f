import { isOrdinaryTopic, type TopicMembers } from '@likewire/client'
import { useMemo, useSyncExternalStore } from 'react'
import { useLikewireClient } from './useLikewireClient'
import { createWatchStore } from './watchStore'

const getServerSnapshot = () => null
const sameMembers = (a: TopicMembers, b: TopicMembers) =>
  a.count === b.count &&
  a.members.length === b.members.length &&
  a.members.every((m, i) => m.memberId === b.members[i]!.memberId && m.since === b.members[i]!.since)

/**
 * Who is on `topic` (`{ count, members }`) through `client.members`: null until the server's snapshot (or
 * the client's current state) arrives, and again after `topic` changes; the same object until a join, a
 * leave or a new snapshot changes it. `topic` null or undefined watches nothing. An invalid topic throws a
 * TypeError during render.
 */
export function useMembers(topic: string | null | undefined): TopicMembers | null {
  if (topic != null && !isOrdinaryTopic(topic))
    throw new TypeError(
      `useMembers: invalid topic ${JSON.stringify(topic)}: use 1-200 of A-Za-z0-9 _ - : . @ / =, not starting with member:`,
    )
  const client = useLikewireClient()
  const store = useMemo(
    () =>
      createWatchStore<TopicMembers>(
        topic == null ? null : (onValue) => client.members(topic, onValue),
        sameMembers,
      ),
    [client, topic],
  )
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot)
}
