import type { LikewireOptions } from '../options'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { notGranted } from './errors'

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

/** Runs the `authorize` hook for each topic: any refusal means 403 and nothing is subscribed. */
export async function authorizeHook(
  hooks: Hooks,
  identity: unknown,
  topics: readonly string[],
): Promise<void> {
  if (!hooks.authorize) return
  for (const topic of topics) {
    if (!(await hooks.authorize(identity, topic))) throw notGranted(topic)
  }
}
