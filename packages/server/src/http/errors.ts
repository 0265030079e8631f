import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import { challengeOf } from '../auth/errors'
import type { Metrics } from '../metrics/metrics'
import type { CorsOptions } from '../options'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { corsHeaders } from './cors'

/** How error answers are dressed: CORS (so a browser page can read them) and the metric they count in. */
export interface ErrorContext {
  cors: CorsOptions | false | undefined
  metrics: Metrics
}

/**
 * The JSON error answer. It carries the route's CORS headers, the stream's too (whose success path writes
 * its own), so a page sees 401 or 503 instead of "Failed to fetch"; a 401 or 403 carries its Bearer
 * challenge (RFC 6750: invalid_token, insufficient_scope).
 */
export function errorResponse(c: Context, error: LikewireError, context: ErrorContext): Response {
  context.metrics.errors.inc({ code: error.code })
  withCors(c, context)
  const challenge = challengeOf(error)
  if (challenge !== undefined) c.header('WWW-Authenticate', challenge)
  return c.json(error.toJSON(), error.status)
}

/** A bug of ours (logged where it was caught): a 500 a browser page can read all the same. */
export function internalErrorResponse(c: Context, context: ErrorContext): Response {
  context.metrics.errors.inc({ code: 'internal_error' })
  withCors(c, context)
  return c.json({ error: { code: 'internal_error', message: 'Internal error' } }, 500)
}

function withCors(c: Context, context: ErrorContext): void {
  if (context.cors === false || !c.req.path.includes('/v1/')) return
  for (const [name, value] of Object.entries(corsHeaders(context.cors ?? {}, c.req.header('origin'))))
    c.header(name, value)
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
  logger.error({ err: error }, 'unexpected error in a route')
  return undefined
}
