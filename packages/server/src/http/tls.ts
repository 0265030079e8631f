import { createSecureServer, type Http2SecureServer } from 'node:http2'
import { createAdaptorServer } from '@hono/node-server'
import { CONNECTIONS_CHECKING_INTERVAL_MS, defaultServerLimits, type ServerLimits } from './server'

/** The certificate listen() serves HTTPS with. */
export interface TlsOptions {
  /** The certificate chain in PEM (the server's certificate first, then any intermediates). */
  cert: string | Buffer
  /** Its private key in PEM (unencrypted). */
  key: string | Buffer
}

/**
 * Node's HTTP/2 server with HTTP/1.1 fallback (ALPN), serving `fetch` as listen() serves it in plain HTTP.
 * A certificate or key Node refuses throws one clear error.
 */
export function secureServer(
  fetch: (request: Request) => Response | Promise<Response>,
  tls: TlsOptions,
  limits: ServerLimits,
): Http2SecureServer {
  let server: Http2SecureServer
  try {
    server = createAdaptorServer({
      fetch,
      // node-server's lightweight Response would rewrite headers of a stream the connect route already sent
      overrideGlobalObjects: false,
      createServer: createSecureServer,
      serverOptions: {
        allowHTTP1: true,
        cert: tls.cert,
        key: tls.key,
        // a connection has headersTimeout for its handshake too (Node's default: 120 s)
        handshakeTimeout: limits.headersTimeoutMs ?? defaultServerLimits.headersTimeoutMs,
        // http.Server sets it by default, a TLS server does not: heartbeats and small events go out at once
        noDelay: true,
      },
    }) as Http2SecureServer
  } catch (error) {
    throw new Error(
      `TLS certificate and key refused: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  // HTTP/1.1 on it (allowHTTP1) has headersTimeout and requestTimeout; Node checks them every 30 s unless told
  ;(server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval =
    CONNECTIONS_CHECKING_INTERVAL_MS
  return server
}
