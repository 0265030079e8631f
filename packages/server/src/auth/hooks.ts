import type { LikewireOptions } from '../options'
import { describeValue, ErrorCode, LikewireError } from '../protocol/errors'

type Hooks = Pick<LikewireOptions, 'authenticate' | 'authorize'>

/** Runs the `authenticate` hook at connect: no identity means 401. */
export async function authenticate(hooks: Hooks, request: Request): Promise<unknown> {
  if (!hooks.authenticate) return null
  const identity = await hooks.authenticate(request)
  if (identity === null || identity === undefined || identity === false) {
    throw new LikewireError(401, ErrorCode.unauthorized, 'Authentication failed')
  }
  return identity
}

/** Runs the `authorize` hook for each topic: any refusal means 403 and nothing is subscribed. */
export async function authorize(hooks: Hooks, identity: unknown, topics: readonly string[]): Promise<void> {
  if (!hooks.authorize) return
  for (const topic of topics) {
    if (!(await hooks.authorize(identity, topic))) {
      throw new LikewireError(403, ErrorCode.forbidden, `Not allowed to subscribe to ${describeValue(topic)}`)
    }
  }
}
