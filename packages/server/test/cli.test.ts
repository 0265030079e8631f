import { spawn, spawnSync } from 'node:child_process'
import { openStream, post, spawnLikewire } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { cleanups } from './cluster/cleanup'

const hasCurl = spawnSync('curl', ['--version']).status === 0

describe('likewire standalone (the CLI a new user runs)', () => {
  it('serves a stream and takes publishes', async () => {
    const server = await spawnLikewire('standalone', ['--heartbeat-ms', '1000'])
    cleanups.push(() => server.stop())
    const stream = await openStream(`${server.url}/v1/connect?topics=demo`)
    cleanups.push(() => stream.close())
    await vi.waitFor(() => stream.connectionId())
    const res = await post(`${server.url}/v1/publish`, { topic: 'demo', data: { hello: 'world' } })
    expect(res.status).toBe(202)
    await vi.waitFor(() =>
      expect(stream.data()).toEqual([expect.objectContaining({ data: { hello: 'world' } })]),
    )
  })

  it.skipIf(!hasCurl)('is readable with curl -N', async () => {
    const server = await spawnLikewire('standalone', [])
    cleanups.push(() => server.stop())
    const curl = spawn('curl', ['-sN', `${server.url}/v1/connect?topics=demo`])
    cleanups.push(() => {
      curl.kill()
    })
    let out = ''
    curl.stdout.on('data', (chunk) => {
      out += chunk
    })
    await vi.waitFor(() => expect(out).toContain('event: likewire.connected'))
    const { body } = await post(`${server.url}/v1/publish`, { topic: 'demo', data: 'via curl' })
    await vi.waitFor(() =>
      expect(out).toContain(`id: ${body.ids[0]}\ndata: {"topic":"demo","id":"${body.ids[0]}"`),
    )
    expect(out).toContain('"data":"via curl"}')
  })

  it('refuses bad flags and a taken port with one clear line', async () => {
    const server = await spawnLikewire('standalone', [])
    cleanups.push(() => server.stop())
    await expect(spawnLikewire('standalone', ['--port', String(server.port)])).rejects.toThrow(
      /likewire: Port \d+ on 127.0.0.1 is already in use/,
    )
    await expect(spawnLikewire('standalone', ['--heartbeat-ms', 'soon'])).rejects.toThrow(
      /--heartbeat-ms must be/,
    )
    await expect(spawnLikewire('standalone', ['--heartbeat-ms', '0'])).rejects.toThrow(
      /heartbeatMs must be at least 100/,
    )
  })
})
