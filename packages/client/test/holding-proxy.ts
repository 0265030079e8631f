// A real HTTP hop in front of a real server that can hold requests unanswered (a stalled proxy or node).
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HoldingProxy {
  url: string
  /** Requests matching this are read and never answered, until it is set back to null. */
  hold: ((method: string, path: string) => boolean) | null
  /** How many requests were held. */
  held: number
  close(): Promise<void>
}

/** Forwards every request to `target` (streams included), except those `hold` matches. */
export async function holdingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target)
  const proxy: HoldingProxy = { url: '', hold: null, held: 0, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    if (proxy.hold?.(req.method ?? 'GET', path)) {
      proxy.held++
      req.resume() // read the body, answer nothing
      return
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forward.on('error', () => res.destroy())
    res.on('close', () => forward.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}
