import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'

// @likewire/client as an app on its own origin loads it: its ESM build, eventsource-parser by import map
const require = createRequire(import.meta.url)
const esm = (name: string) =>
  readFileSync(join(dirname(require.resolve(`${name}/package.json`)), 'dist/index.js'), 'utf8')

const PAGE =
  '<!doctype html><title>app</title><script type="importmap">{"imports":{"eventsource-parser":"/eventsource-parser.js"}}</script>'

export interface ClientPages {
  /** The pages' origin: any path is a blank page whose scripts can `await import('/client.js')`. */
  url: string
  close(): Promise<void>
}

/** Serves blank pages that can import @likewire/client (the built `dist`: run `turbo run build` first). */
export async function serveClientPages(): Promise<ClientPages> {
  const files: Record<string, string> = {
    '/client.js': esm('@likewire/client'),
    '/eventsource-parser.js': esm('eventsource-parser'),
  }
  const server = createServer((req, res) => {
    const file = files[req.url ?? '']
    if (file !== undefined) return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(file)
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
