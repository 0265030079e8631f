import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
/** A package's ESM build, as a page on another origin loads it (an import map names eventsource-parser). */
const esm = (name: string, from = require) =>
  readFileSync(join(dirname(from.resolve(`${name}/package.json`)), 'dist/index.js'), 'utf8')

export interface PageServer {
  /** The page's origin: never the Likewire server's, so loading a tab never takes one of its 6 sockets. */
  url: string
  close(): Promise<void>
}

/**
 * Serves the tab page: `@likewire/client`'s built ESM (`npm run bench` builds it first), eventsource-parser,
 * and `page/tab.js`, which starts a client as an app would and records what it gets.
 */
export async function startPageServer(): Promise<PageServer> {
  const clientRequire = createRequire(require.resolve('@likewire/client/package.json'))
  const files: Record<string, string> = {
    '/client.js': esm('@likewire/client'),
    '/eventsource-parser.js': esm('eventsource-parser', clientRequire),
    '/tab.js': readFileSync(new URL('page/tab.js', import.meta.url), 'utf8'),
  }
  const html =
    '<!doctype html><title>tab</title>' +
    '<script type="importmap">{"imports":{"eventsource-parser":"/eventsource-parser.js"}}</script>' +
    '<script type="module" src="/tab.js"></script>'
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    const js = files[path]
    if (js !== undefined) return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js)
    if (path !== '/') return res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
