import type { HttpBindings } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { Core } from '../node/core'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { connectHandler } from './connect'
import { corsMiddleware } from './cors'
import { errorResponse, internalErrorResponse, toLikewireError } from './errors'
import { publishHandler } from './publish'
import { subscribeHandler, unsubscribeHandler } from './subscriptions'

export type LikewireApp = Hono<{ Bindings: HttpBindings }>

/** A route between nodes of a cluster (POST, guarded by the cluster secret), mounted when the app is built. */
export interface InternalRoute {
  path: `/internal/${string}`
  handler: (c: Context) => Promise<Response>
}

/** The protocol v1 routes of one node: frontend routes when it holds connections, publish when it dispatches. */
export function createApp(core: Core, internalRoutes: readonly InternalRoute[] = []): LikewireApp {
  const app: LikewireApp = new Hono<{ Bindings: HttpBindings }>()
  const errors = { cors: core.options.cors, metrics: core.metrics }
  const methodNotAllowed = (allowed: string) => (c: Context) => {
    c.header('Allow', allowed)
    return errorResponse(
      c,
      new LikewireError(405, ErrorCode.methodNotAllowed, `Use ${allowed} on this route`),
      errors,
    )
  }

  if (core.options.cors !== false) {
    const cors = corsMiddleware(core.options.cors ?? {})
    // the stream itself gets its CORS headers in connectHandler; only its preflight goes through here. A
    // POST without Origin is no browser's cross-origin call: a backend's publish skips the middleware
    // (an OPTIONS is always answered by it, 204, with or without Origin)
    app.use('/v1/*', (c, next) =>
      (c.req.method === 'GET' && c.req.path.endsWith('/v1/connect')) ||
      (c.req.method === 'POST' && c.req.header('origin') === undefined)
        ? next()
        : cors(c, next),
    )
  }

  const { frontend, dispatcher } = core
  if (frontend) {
    app.get('/v1/connect', connectHandler(core, frontend))
    app.all('/v1/connect', methodNotAllowed('GET'))
    app.post('/v1/subscribe', subscribeHandler(core, frontend))
    app.all('/v1/subscribe', methodNotAllowed('POST'))
    app.post('/v1/unsubscribe', unsubscribeHandler(core, frontend))
    app.all('/v1/unsubscribe', methodNotAllowed('POST'))
  }
  if (dispatcher) {
    app.post('/v1/publish', publishHandler(core, dispatcher))
    app.all('/v1/publish', methodNotAllowed('POST'))
  }

  for (const route of internalRoutes) app.post(route.path, route.handler)

  app.get('/healthz', async (c) => {
    const report = await core.health()
    return c.json(report, report.status === 'ok' ? 200 : 503)
  })
  app.get('/metrics', async (c) => {
    c.header('Content-Type', core.metrics.registry.contentType)
    return c.body(await core.metrics.registry.metrics())
  })

  app.notFound((c) =>
    errorResponse(
      c,
      new LikewireError(404, ErrorCode.notFound, `No route ${c.req.method} ${c.req.path}`),
      errors,
    ),
  )
  app.onError((error, c) => {
    const known = toLikewireError(error, core.logger)
    if (known) return errorResponse(c, known, errors)
    return internalErrorResponse(c, errors)
  })
  return app
}
