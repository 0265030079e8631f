import { Dispatcher, type DispatcherParts } from '../dispatcher/dispatcher'
import type { ValidPublish } from '../dispatcher/publish-input'
import type { HistoryStore } from '../history/store'
import { LikewireError, unavailable } from '../protocol/errors'
import type { EncodedEvent } from '../protocol/frames'
import type { PresenceStore } from '../registry/presence-store'
import type { Registry } from '../registry/registry'
import { type Channel, remote } from './channel'

/** What a standalone node's primary serves its workers: the one registry, presence store, history and dispatcher. */
export const REGISTRY_METHODS = [
  'registerNode',
  'removeNode',
  'pruneNode',
  'node',
  'addTopics',
  'removeTopics',
  'replaceTopics',
  'nodesFor',
  'setViewerCounts',
  'viewerCounts',
  'claimViewerPublish',
  'health',
] as const satisfies ReadonlyArray<keyof Registry>

export const PRESENCE_METHODS = [
  'join',
  'leave',
  'release',
  'restore',
  'sweep',
  'drainMembers',
  'members',
  'presence',
  'applyRemote',
  'published',
  'unpublished',
  'digest',
  'claimDigest',
  'askDigest',
] as const satisfies ReadonlyArray<keyof PresenceStore>

export const HISTORY_METHODS = ['append', 'read', 'health'] as const satisfies ReadonlyArray<
  keyof HistoryStore
>

export const DISPATCHER_METHODS = [
  'publish',
  'dispatch',
  'dispatchForwarded',
] as const satisfies ReadonlyArray<keyof Dispatcher>

/** A worker's registry: the primary's, one call per method; closing it is the primary's business. */
export function primaryRegistry(channel: Channel): Registry {
  const presence = remote<PresenceStore>(channel, 'presence', PRESENCE_METHODS)
  return {
    ...remote<Registry>(channel, 'registry', REGISTRY_METHODS),
    presenceStore: () => presence,
    close: async () => {},
  }
}

/** A worker's history store: reads from the primary's, where every position was given. */
export function primaryHistory(channel: Channel): HistoryStore {
  return { ...remote<HistoryStore>(channel, 'history', HISTORY_METHODS), close: async () => {} }
}

/**
 * A worker's dispatcher: publishes go to the primary's dispatcher, which stamps, records, looks up and
 * delivers for the whole node (one order, positions given in one place). Fire-and-forget events the
 * worker encodes itself (viewer counts, presence) are stamped here and dispatched there.
 */
export class PrimaryDispatcher extends Dispatcher {
  constructor(
    private readonly channel: Channel,
    parts: DispatcherParts,
  ) {
    super(parts)
  }

  override publish(publishes: readonly ValidPublish[]): Promise<string[]> {
    return this.relay('publish', publishes)
  }

  override dispatch(events: readonly EncodedEvent[]): Promise<void> {
    return this.relay('dispatch', events)
  }

  override dispatchForwarded(events: readonly EncodedEvent[]): Promise<void> {
    return this.relay('dispatchForwarded', events)
  }

  /** A primary that does not answer is an unavailable dispatcher (503), as a Redis that does not answer is. */
  private relay<T>(method: (typeof DISPATCHER_METHODS)[number], events: unknown): Promise<T> {
    return this.channel.call<T>('dispatcher', method, [events]).catch((error: unknown) => {
      throw error instanceof LikewireError
        ? error
        : unavailable(
            `The node's dispatcher did not answer (${error instanceof Error ? error.message : error})`,
          )
    })
  }
}
