import type { Dispatcher } from '../dispatcher/dispatcher'
import type { ValidPublish } from '../dispatcher/publish-input'
import type { Metrics } from '../metrics/metrics'
import { membersTopic, presenceTopic } from '../protocol/topic'
import type { MembersDrain, MembersSnapshot, PresenceStatus } from '../registry/presence-store'

/** `member:<id>/$presence`: `{"memberId","status","since"}`, for a change and for the snapshot alike. */
export function presenceEvent({ memberId, status, since }: PresenceStatus): ValidPublish {
  return { topic: presenceTopic(memberId), dataJson: JSON.stringify({ memberId, status, since }) }
}

/** `<topic>/$members` snapshot: the first members, oldest first, and the exact count. */
export function membersSnapshotEvent(topic: string, { count, members }: MembersSnapshot): ValidPublish {
  return { topic: membersTopic(topic), dataJson: JSON.stringify({ topic, count, members, snapshot: true }) }
}

/** `<topic>/$members` changes of one window (or a snapshot standing for too many of them). */
export function membersEvent(topic: string, drain: MembersDrain): ValidPublish {
  if ('snapshot' in drain) return membersSnapshotEvent(topic, drain)
  const { count, joined, left } = drain
  return { topic: membersTopic(topic), dataJson: JSON.stringify({ topic, count, joined, left }) }
}

/** Publishes member presence changes in this datacenter (meta topics are never forwarded as events). */
export async function publishPresence(
  dispatcher: Dispatcher,
  metrics: Metrics,
  changes: readonly PresenceStatus[],
): Promise<void> {
  if (changes.length === 0) return
  await dispatcher.dispatch(dispatcher.encode(changes.map(presenceEvent)))
  for (const { status } of changes) metrics.presenceChanges.inc({ status })
}
