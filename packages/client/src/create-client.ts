import { createStreamClient, type LikewireClient } from './client'
import type { ClientOptions } from './options'
import { checkOptions } from './options-check'
import { resolveShare } from './share/share-options'
import { createSharedClient } from './share/shared-client'

/**
 * Creates a client; its stream opens lazily on the first subscribe. In a browser page the tabs of one
 * origin (and one share key) share one stream by default (`share`); elsewhere each client has its own.
 * Throws a TypeError naming the first bad option.
 */
export function createClient(options: ClientOptions): LikewireClient {
  checkOptions(options) // a bad option throws here, before anything starts
  const share = resolveShare(options.share)
  return share ? createSharedClient(options, share) : createStreamClient(options)
}
