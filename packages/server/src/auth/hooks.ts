import type { LikewireOptions } from '../options'
import { ErrorCode, LikewireError } from '../protocol/errors'

type Hooks = Pick<LikewireOptions, 'authenticate' | 'authorize'>

/** Runs the `authenticate` hook at connect: no identity means 401. */
export async function authenticateHook(hooks: Hooks, request: Request | undefined): Promise<unknown> {
  if (!hooks.authenticate || !request) return null
  const identity = await hooks.authenticate(request)
  if (identity === null || identity === undefined || identity === false) {
    throw new LikewireError(401, ErrorCode.unauthorized, 'Authentication failed')
  }
  return identity
}

/** Runs the `authorize` hook topic by topic: the first it refuses (a 403 for the whole request), if any. */
export async function firstRefusedByHook(
  hooks: Hooks,
  identity: unknown,
  topics: readonly string[],
): Promise<string | undefined> {
  if (!hooks.authorize) return undefined
  for (const topic of topics) if (!(await hooks.authorize(identity, topic))) return topic
  return undefined
}
