import type { LikewireClient, SubscribeOptions } from './client'
import { createClient } from './create-client'
import type { LikewireEvent } from './event'
import type { ClientOptions } from './options'

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
  if (!defaultClient) throw new Error('likewire: call configure({ url }) before subscribe()')
  return defaultClient.subscribe(topic, callback, options)
}

/** The default client, or null before `configure`. */
export function getDefaultClient(): LikewireClient | null {
  return defaultClient
}
