import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort, likewireBin, openStream, post, spawnLikewire } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { cleanups } from './cluster/cleanup'

const packageVersion = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
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
    await vi.waitFor(() => expect(out).toContain(`data: {"topic":"demo","id":"${body.ids[0]}"`))
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
      /likewire: --heartbeat-ms must be at least 100, got 0/,
    )
    await expect(spawnLikewire('standalone', ['--headers-timeout-ms', '0'])).rejects.toThrow(
      /likewire: --headers-timeout-ms must be at least 1/,
    )
    await expect(spawnLikewire('standalone', ['--history', 'chat:*'])).rejects.toThrow(
      /likewire: --history: expected pattern=size\[\/ttlSeconds\], got "chat:\*"/,
    )
    await expect(spawnLikewire('standalone', ['--history', 'chat:*=0'])).rejects.toThrow(
      /likewire: history rule 1 \("chat:\*"\): size must be an integer from 1/,
    )
    await expect(spawnLikewire('standalone', ['--flush-window-ms', 'fast'])).rejects.toThrow(
      /likewire: --flush-window-ms must be a non-negative integer, got "fast"/,
    )
    await expect(spawnLikewire('standalone', ['--max-flush-window-ms', '20000'])).rejects.toThrow(
      /likewire: --max-flush-window-ms must be at most 10000, got 20000/,
    )
    await expect(spawnLikewire('standalone', ['--presence-grace-ms', '-1'])).rejects.toThrow(
      /likewire: --presence-grace-ms must be a non-negative integer, got "-1"/,
    )
    await expect(
      spawnLikewire('frontend', ['--redis', 'redis://127.0.0.1:1', '--secret', 's'], {
        env: { LIKEWIRE_PRESENCE_GRACE_MS: '86400001' },
      }),
    ).rejects.toThrow(/likewire: --presence-grace-ms must be at most 86400000, got 86400001/)
  })

  it('refuses a --dc peers would refuse, and --peers without --dc, with one line and exit 1', () => {
    // checked before Redis is reached: nothing listens on port 1
    const run = (role: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
      const cluster = ['--redis', 'redis://127.0.0.1:1', '--secret', 'a-secret', '--port', '0']
      const { status, stderr } = spawnSync(process.execPath, [likewireBin(), role, ...cluster, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      })
      return { status, stderr: stderr.trim() }
    }
    const peers = ['--peers', 'dc2=http://127.0.0.1:1']
    for (const role of ['frontend', 'dispatcher']) {
      expect(run(role, ['--dc', 'eu west'])).toEqual({
        status: 1,
        stderr: 'likewire: --dc must be 1-64 characters of A-Za-z0-9_.-, got "eu west"',
      })
      expect(run(role, [], { LIKEWIRE_DC: 'x'.repeat(65) }).stderr).toMatch(/^likewire: --dc must be 1-64/)
      expect(run(role, peers)).toEqual({
        status: 1,
        stderr:
          "likewire: --peers needs --dc <name>: this datacenter's own name, a different one in each datacenter",
      })
      expect(run(role, ['--dc', 'dc2', ...peers])).toEqual({
        status: 1,
        stderr: 'likewire: --peers names this datacenter itself (--dc dc2)',
      })
      expect(run(role, ['--dc', 'dc1', '--peers', 'eu west=http://127.0.0.1:1'])).toEqual({
        status: 1,
        stderr: 'likewire: --peers: "eu west" is not a datacenter name (1-64 characters of A-Za-z0-9_.-)',
      })
    }
  })

  it('takes history rules from LIKEWIRE_HISTORY on every role, and refuses bad ones there too', async () => {
    const server = await spawnLikewire('standalone', [], { env: { LIKEWIRE_HISTORY: 'chat:*=10/60' } })
    cleanups.push(() => server.stop())
    const stream = await openStream(`${server.url}/v1/connect?topics=chat:1`)
    cleanups.push(() => stream.close())
    await vi.waitFor(() => stream.connectionId())
    await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: 'kept' })
    await vi.waitFor(() =>
      expect(stream.data()).toEqual([expect.objectContaining({ data: 'kept', pos: expect.anything() })]),
    )
    const cluster = ['--redis', 'redis://127.0.0.1:1', '--secret', 'a-secret']
    for (const role of ['frontend', 'dispatcher'] as const)
      await expect(
        spawnLikewire(role, cluster, { env: { LIKEWIRE_HISTORY: 'chat:*=100/0' } }),
      ).rejects.toThrow(/likewire: history rule 1 \("chat:\*"\): ttl/)
  })
})

describe('npx likewire, as the README says, from the repository root after npm ci', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url))
  // its own process group: npx runs the CLI as a child of its own, which a signal to npx alone would orphan
  const npx = (args: string[]) =>
    spawn('npx', ['--no-install', 'likewire', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })

  it('links a bin that a fresh clone has before any build (npm links a bin only if its file exists at install)', () => {
    const { bin } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', bin.likewire], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
    expect({ bin: bin.likewire, tracked: tracked.status }).toEqual({ bin: './bin/likewire.js', tracked: 0 })
    expect(realpathSync(`${root}/node_modules/.bin/likewire`)).toBe(
      fileURLToPath(new URL('../bin/likewire.js', import.meta.url)),
    )
  })

  it('prints its version', async () => {
    const child = npx(['--version'])
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      out += chunk
    })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: packageVersion })
  })

  it('starts standalone and serves a stream', async () => {
    const port = await freePort()
    const child = npx(['standalone', '--port', String(port), '--host', '127.0.0.1'])
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          process.kill(-child.pid!, 'SIGTERM')
        }),
    )
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      out += chunk
    })
    await vi.waitFor(() => expect(out).toContain(`listening on http://127.0.0.1:${port}`), {
      timeout: 30_000,
    })
    const url = `http://127.0.0.1:${port}`
    const stream = await openStream(`${url}/v1/connect?topics=live:42:likes`)
    cleanups.push(() => stream.close())
    await vi.waitFor(() => stream.connectionId())
    const res = await post(`${url}/v1/publish`, { topic: 'live:42:likes', data: { user: 'ann' } })
    await vi.waitFor(() => expect(stream.data().map((e) => e.id)).toEqual(res.body.ids))
    // stopped as a user's Ctrl-C stops it (the whole group): nothing is left serving the port
    process.kill(-child.pid!, 'SIGTERM')
    const state = () =>
      fetch(`${url}/healthz`).then(
        () => 'serving',
        () => 'gone',
      )
    await vi.waitFor(async () => expect(await state()).toBe('gone'), { timeout: 15_000 })
  }, 60_000) // npx, then a CLI start and a drain: slow on a loaded 2-core machine
})
