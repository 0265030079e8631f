import type { LikewireClient, SubscribeOptions } from './client'
import { createClient } from './create-client'
import type { LikewireEvent } from './event'
import type { ClientOptions } from './options'
import type { TopicMembers } from './presence/members'
import type { MemberPresence } from './presence/presence'

let defaultClient: LikewireClient | null = null

/** Creates the module-level default client; calling it again closes the previous one. */
export function configure(options: ClientOptions): LikewireClient {
  const next = createClient(options)
  defaultClient?.close()
  defaultClient = next
  return next
}

/** Subscribes on the default client (see `configure`); returns the unsubscribe. */
export function subscribe<T = unknown>(
  topic: string,
  callback: (event: LikewireEvent<T>) => void,
  options?: SubscribeOptions,
): () => void {
  return required('subscribe').subscribe(topic, callback, options)
}

/** Watches a member's presence on the default client (see `LikewireClient.watchPresence`). */
export function watchPresence(memberId: string, callback: (presence: MemberPresence) => void): () => void {
  return required('watchPresence').watchPresence(memberId, callback)
}

/** Follows a topic's members on the default client (see `LikewireClient.members`). */
export function members(topic: string, callback: (members: TopicMembers) => void): () => void {
  return required('members').members(topic, callback)
}

function required(call: string): LikewireClient {
  if (!defaultClient) throw new Error(`likewire: call configure({ url }) before ${call}()`)
  return defaultClient
}

/** The default client, or null before `configure`. */
export function getDefaultClient(): LikewireClient | null {
  return defaultClient
}
