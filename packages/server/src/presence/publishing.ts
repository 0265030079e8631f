import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { PresenceStatus, PresenceStore, Recording, Unpublished } from '../registry/presence-store'
import { membersSnapshotEvent, presenceEvent } from './payloads'

/**
 * How long a change may take from the store to its watchers before any node publishes its current state
 * instead: above a publish's slowest path (a registry lookup, then deliveries of up to 3 s each).
 */
export const REPLAY_MS = 5000

const processTag = randomBytes(6).toString('base64url')
let calls = 0

/** A fresh recording for one store call: the changes it makes stay recorded until confirmed published. */
export function recording(now = Date.now()): Recording {
  return { token: `${processTag}.${(calls++).toString(36)}`, replayAt: now + REPLAY_MS }
}

/** The recorded entries of member presence changes one store call made (to confirm them). */
export function presenceEntries(record: Recording, changes: readonly PresenceStatus[]): Unpublished[] {
  return changes.map(({ memberId }) => ({ token: record.token, scope: { topic: null, memberId } }))
}

/** Confirms recorded changes published; a failure only means they are published once more later. */
export function confirm(
  store: PresenceStore,
  entries: readonly Unpublished[],
  logger: Logger,
): Promise<void> {
  if (entries.length === 0) return Promise.resolve()
  return store.published(entries).catch((error: unknown) => {
    logger.warn({ err: error }, 'presence publish not confirmed; its state will be published again')
  })
}

/**
 * Publishes the current state of recorded changes nobody confirmed in time (a Redis reply lost after
 * the script ran, a publish that failed, a node that died in between): each member's status and each
 * topic's members snapshot, read from the store now, so a repeat is harmless and nothing stays stuck.
 */
export async function replayUnpublished(
  store: PresenceStore,
  dispatcher: Dispatcher,
  membersLimit: number,
  limit: number,
): Promise<number> {
  const due = await store.unpublished(Date.now(), REPLAY_MS, limit)
  if (due.length === 0) return 0
  const memberIds = [...new Set(due.filter((e) => e.scope.topic === null).map((e) => e.scope.memberId))]
  const topics = [...new Set(due.flatMap((e) => (e.scope.topic === null ? [] : [e.scope.topic])))]
  const [statuses, snapshots] = await Promise.all([
    store.presence(memberIds),
    Promise.all(topics.map((topic) => store.members(topic, membersLimit))),
  ])
  await dispatcher.dispatch(
    dispatcher.encode([
      ...statuses.map(presenceEvent),
      ...snapshots.map((snapshot, i) => membersSnapshotEvent(topics[i]!, snapshot)),
    ]),
  )
  await store.published(due)
  return due.length
}
