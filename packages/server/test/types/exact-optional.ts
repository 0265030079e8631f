// Compiled against the built declarations with exactOptionalPropertyTypes (./tsconfig.json, run by
// test/types.test.ts): the README's examples, where an option comes from the environment
// (`string | undefined`), must type-check for users who turn that flag on.
import { serve } from '@hono/node-server'
import { createLikewire, createPublisher, listen } from '@likewire/server'
import { createDispatcherNode, createFrontendNode } from '@likewire/server/cluster'

const env = process.env
const lw = createLikewire({
  apiKey: env.LIKEWIRE_API_KEY,
  nodeId: env.NODE_ID,
  internalUrl: env.PUBLIC_URL,
  heartbeatMs: undefined,
  cors: { origins: env.ORIGIN ? [env.ORIGIN] : '*', credentials: undefined, maxAgeSeconds: undefined },
  authenticate: undefined,
})
// the README's tokens example: the secret, issuer and audience read from the environment
createLikewire({
  auth: {
    jwt: { secret: env.LIKEWIRE_JWT_SECRET, issuer: env.ISSUER, audience: undefined, jwksUrl: undefined },
  },
})
// the README's embedded example: a server of the user's own, opted in
lw.attach(serve({ fetch: lw.app.fetch, port: 0, overrideGlobalObjects: false }))
void listen(lw, { port: undefined, hostname: env.HOST, headersTimeoutMs: undefined })
// HTTPS when the environment names a certificate (operations.md, HTTP/2)
const tls = env.TLS_CERT && env.TLS_KEY ? { cert: env.TLS_CERT, key: env.TLS_KEY } : undefined
void listen(lw, { port: 0, tls }).then((listening) => listening.url)
createPublisher({ dispatchers: ['http://127.0.0.1:8080'], apiKey: env.LIKEWIRE_API_KEY, fetch: undefined })
void createFrontendNode({
  redis: 'redis://127.0.0.1:6379',
  secret: 's',
  internalUrl: 'http://127.0.0.1:8080',
  keyPrefix: env.PREFIX,
  peers: undefined,
  apiKey: env.LIKEWIRE_API_KEY,
})
void createDispatcherNode({ redis: 'redis://127.0.0.1:6379', secret: 's', dc: env.DC, apiKey: env.KEY })
