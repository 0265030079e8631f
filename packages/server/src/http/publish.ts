import { timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import type { Core } from '../core'
import type { Dispatcher } from '../dispatcher/dispatcher'
import { parsePublishBody } from '../dispatcher/publish-input'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { readJson } from './body'

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^bearer +(\S+) *$/i)
  return match?.[1]
}

/** Constant-time check of `Authorization: Bearer <key>`. */
export function assertBearer(c: Context, key: string | undefined, what: string): void {
  if (key === undefined) return
  const given = Buffer.from(bearerToken(c.req.header('authorization')) ?? '')
  const expected = Buffer.from(key)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new LikewireError(
      401,
      ErrorCode.unauthorized,
      `A valid ${what} is required: Authorization: Bearer <key>`,
    )
  }
}

/** `POST /v1/publish`: one event or a batch; 202 once every subscribed node has been handed it. */
export function publishHandler(core: Core, dispatcher: Dispatcher) {
  return async (c: Context) => {
    assertBearer(c, core.options.apiKey, 'API key')
    const publishes = parsePublishBody(
      await readJson(c, core.options.maxRequestBytes),
      core.options.maxPayloadBytes,
      core.options.maxBatchSize,
    )
    const ids = await dispatcher.publish(publishes)
    return c.json({ ids }, 202)
  }
}
