import { createStreamClient, type LikewireClient } from './client'
import type { ClientOptions } from './options'
import { resolveShare } from './share/share-options'
import { createSharedClient } from './share/shared-client'

/**
 * Creates a client; its stream opens lazily on the first subscribe. In a browser page the tabs of one
 * origin (and one share key) share one stream by default (`share`); elsewhere each client has its own.
 */
export function createClient(options: ClientOptions): LikewireClient {
  const share = resolveShare(options.share)
  return share ? createSharedClient(options, share) : createStreamClient(options)
}
