import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import { ErrorCode, LikewireError } from '../protocol/errors'

export function errorResponse(c: Context, error: LikewireError, metrics: Metrics): Response {
  metrics.errors.inc({ code: error.code })
  return c.json(error.toJSON(), error.status)
}

/** Maps anything thrown by a route to a stable code; only a bug of ours becomes a 500. */
export function toLikewireError(error: unknown, logger: Logger): LikewireError | undefined {
  if (error instanceof LikewireError) return error
  if (error instanceof HTTPException && error.status === 413) {
    return new LikewireError(413, ErrorCode.payloadTooLarge, 'The request body is too large')
  }
  if (error instanceof HTTPException && error.status < 500) {
    return new LikewireError(400, ErrorCode.invalidRequest, error.message || 'Bad request')
  }
  // a client that hangs up mid-body makes the body read fail: it is the client's error, not ours
  if (
    error instanceof Error &&
    /aborted|terminated|body|ECONNRESET/i.test(`${error.name} ${error.message}`)
  ) {
    return new LikewireError(400, ErrorCode.invalidRequest, 'The request body could not be read')
  }
  logger.error({ err: error }, 'unexpected error in a route')
  return undefined
}
