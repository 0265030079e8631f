import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { CorsOptions } from '../options'

/** The allowed origin for a request's Origin, or null: any origin by default, else the listed ones. */
export function allowedOrigin(options: CorsOptions, origin: string): string | null {
  const origins = options.origins ?? '*'
  if (origins === '*') return '*'
  return origins.includes(origin) ? origin : null
}

// credentials only ever go to listed origins, never with '*'
const allowsCredentials = (options: CorsOptions) => options.credentials === true && options.origins !== '*'

/** CORS for browsers, preflights included (Last-Event-ID and Authorization make a request preflight). */
export function corsMiddleware(options: CorsOptions): MiddlewareHandler {
  return cors({
    origin: (origin) => allowedOrigin(options, origin),
    credentials: allowsCredentials(options),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'Authorization', 'Last-Event-ID', 'Accept', 'Cache-Control'],
    maxAge: options.maxAgeSeconds ?? 600,
  })
}

/**
 * The same policy as headers for the connect stream, which writes the Node response itself: running the
 * middleware there would make Hono rebuild the response it must leave alone.
 */
export function corsHeaders(options: CorsOptions, origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(options, origin ?? '')
  if (!allowed) return {}
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': allowed }
  if (allowed !== '*') headers.Vary = 'Origin'
  if (allowsCredentials(options)) headers['Access-Control-Allow-Credentials'] = 'true'
  return headers
}
