import type { Dispatcher } from '../dispatcher/dispatcher'
import type { ValidPublish } from '../dispatcher/publish-input'
import type { Connection } from '../frontend/connection'
import type { Frontend } from '../frontend/frontend'
import { dataFrame } from '../protocol/frames'
import { metaTopic } from '../protocol/topic'
import type { PresenceStore } from '../registry/presence-store'
import { membersSnapshotEvent, presenceEvent } from './payloads'

/** `$members` snapshots read at once: a subscribe of many holds a batch in memory, not all of them. */
const MEMBERS_BATCH = 10

export interface SnapshotParts {
  frontend: Frontend
  store: PresenceStore
  dispatcher: Dispatcher
}

/**
 * Sends a connection the current state of the presence and members meta topics it just subscribed to:
 * the statuses in one read, the members snapshots a batch at a time, every frame paced by what the
 * client takes (Frontend.sendTo). A subscribe of many large member lists (up to 100 topics of 1000
 * members) would otherwise pass the slow-consumer bound at once and drop its own subscriber.
 */
export async function sendSnapshots(
  parts: SnapshotParts,
  connection: Connection,
  topics: readonly string[],
  membersLimit: number,
): Promise<void> {
  const memberIds: string[] = []
  const membersOf: string[] = []
  for (const topic of topics) {
    const meta = metaTopic(topic)
    if (meta?.kind === 'presence') memberIds.push(meta.memberId)
    else if (meta?.kind === 'members') membersOf.push(meta.base)
  }
  const { frontend, store, dispatcher } = parts
  const send = (events: ValidPublish[]) =>
    frontend.sendTo(connection, dispatcher.encode(events).map(dataFrame))
  if (memberIds.length > 0) await send((await store.presence(memberIds)).map(presenceEvent))
  for (let i = 0; i < membersOf.length && !connection.closed; i += MEMBERS_BATCH) {
    const batch = membersOf.slice(i, i + MEMBERS_BATCH)
    const snapshots = await Promise.all(batch.map((topic) => store.members(topic, membersLimit)))
    await send(snapshots.map((snapshot, j) => membersSnapshotEvent(batch[j]!, snapshot)))
  }
}
