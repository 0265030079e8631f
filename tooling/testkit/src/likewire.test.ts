import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterEach, expect, it, vi } from 'vitest'
import { type LikewireProcess, likewireBin, spawnLikewire } from './likewire'
import { openStream, post } from './sse'

let likewire: LikewireProcess | undefined
afterEach(() => likewire?.stop())

it('likewireBin is the file the "bin" field of @likewire/server names', () => {
  const manifest = createRequire(import.meta.url).resolve('@likewire/server/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'))
  expect(likewireBin()).toBe(join(dirname(manifest), typeof bin === 'string' ? bin : bin.likewire))
})

it('spawnLikewire runs the built CLI on a free port: a stream gets a publish', async () => {
  likewire = await spawnLikewire('standalone', ['--heartbeat-ms', '1000'])
  expect(likewire.url).toBe(`http://127.0.0.1:${likewire.port}`)
  const stream = await openStream(`${likewire.url}/v1/connect?topics=kit`)
  await vi.waitFor(() => stream.connectionId())
  const published = await post(`${likewire.url}/v1/publish`, { topic: 'kit', data: 'hi' })
  expect(published.status).toBe(202)
  await vi.waitFor(() =>
    expect(stream.data()).toEqual([expect.objectContaining({ topic: 'kit', data: 'hi' })]),
  )
  stream.close()
})

it('a CLI that refuses its flags fails the start with its one-line message', async () => {
  await expect(spawnLikewire('standalone', ['--heartbeat-ms', 'soon'])).rejects.toThrow(
    /likewire standalone exited \(code 1\) before printing \/listening on\/:\n.*--heartbeat-ms must be/,
  )
})
