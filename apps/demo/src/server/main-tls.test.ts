import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:http2'
import { freePort, selfSignedCertificate, spawnProcess } from '@likewire/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { DEMO_MAIN, withoutClusterEnv } from './test-processes.js'

// The built server as `npm start` runs it with TLS_CERT and TLS_KEY: HTTPS, HTTP/2 for browsers.

const certificate = selfSignedCertificate()
beforeAll(() => {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npm run build\` in apps/demo`)
})
afterAll(() => certificate.remove())

it('serves the page and Likewire on one HTTP/2 connection, and stops on SIGTERM with a stream open', async () => {
  const port = await freePort()
  const demo = await spawnProcess(process.execPath, [DEMO_MAIN], {
    name: 'demo server (TLS)',
    env: {
      ...withoutClusterEnv(process.env),
      HOST: '127.0.0.1',
      PORT: String(port),
      TLS_CERT: certificate.certFile,
      TLS_KEY: certificate.keyFile,
    },
    ready: /likewire demo: https:\/\//,
  })
  expect(demo.output()).toContain(`likewire demo: https://127.0.0.1:${port}`)
  const session = connect(`https://127.0.0.1:${port}`, { ca: certificate.cert })
  try {
    const get = (path: string, headers: Record<string, string> = {}, requestBody?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': path, ...headers })
        stream.end(requestBody)
        let status = 0
        let body = ''
        stream.on('response', (headers) => {
          status = Number(headers[':status'])
        })
        stream.setEncoding('utf8')
        stream.on('data', (chunk: string) => {
          body += chunk
          // an SSE stream never ends: its first event is enough
          if (body.includes('likewire.connected')) resolve({ status, body })
        })
        stream.on('end', () => resolve({ status, body }))
        stream.on('error', reject)
      })
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('<div id="root">')
    // a stream is a guest's: its token first, on the same connection
    const guest = await get('/api/guest', { ':method': 'POST', 'content-type': 'application/json' }, '{}')
    expect(guest.status).toBe(201)
    const { token } = JSON.parse(guest.body) as { token: string }
    const stream = await get('/realtime/v1/connect?topics=video:red:likes', {
      authorization: `Bearer ${token}`,
    })
    expect(stream.status).toBe(200)
    expect((session.socket as unknown as { alpnProtocol: string }).alpnProtocol).toBe('h2')
    // the graceful path with the HTTP/2 session still open: it ends, and so does the process
    demo.child.kill('SIGTERM')
    expect(await demo.exited).toEqual({ code: 0, signal: null })
  } finally {
    session.destroy()
    await demo.kill9()
  }
})

it('a bad TLS_CERT is one line on stderr and exit code 1', () => {
  const run = spawnSync(process.execPath, [DEMO_MAIN], {
    env: {
      ...withoutClusterEnv(process.env),
      HOST: '127.0.0.1',
      PORT: '0',
      TLS_CERT: '/nonexistent.pem',
      TLS_KEY: certificate.keyFile,
    },
    encoding: 'utf8',
    timeout: 15_000,
  })
  expect(run.stderr).toBe(
    'likewire demo: TLS_CERT must be a readable PEM file, cannot read "/nonexistent.pem": no such file\n',
  )
  expect(run.status).toBe(1)
})
