// `likewire standalone --workers`: real processes (a primary and its workers on one port), real streams and
// the real client. Each worker is its own node id, so `likewire.connected` says which one holds a stream.
import { spawnSync } from 'node:child_process'
import type { ClientHttp2Session } from 'node:http2'
import {
  type LikewireProcess,
  likewireBin,
  openStream,
  post,
  type Stream,
  selfSignedCertificate,
  spawnLikewire,
} from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { createClient } from '../../client/src/index'
import { cleanups, stream } from './cluster/cleanup'
import { type H2Stream, h2Post, h2Session, h2Stream } from './h2'
import { SECRET, token } from './tokens'

async function node(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<LikewireProcess> {
  const server = await spawnLikewire('standalone', ['--workers', '2', ...args], { env })
  cleanups.push(() => server.stop())
  return server
}

/** The node id of the worker holding a stream. */
function workerOf(s: Stream): string {
  const connected = s.events.find((e) => e.event === 'likewire.connected')
  if (!connected) throw new Error('not connected yet')
  return JSON.parse(connected.data).nodeId
}

/**
 * Opens streams on `path` until there is one on each of the node's two workers. The kernel spreads them
 * (`--balance kernel`, the default), about evenly but not in turn: up to 40 tries.
 */
async function onBothWorkers(url: string, path: string, headers: () => Promise<Record<string, string>>) {
  const streams: Stream[] = []
  for (let i = 0; i < 40 && new Set(streams.map(workerOf)).size < 2; i++) {
    const s = await openStream(`${url}${path}`, await headers())
    cleanups.push(() => s.close())
    await vi.waitFor(() => s.connectionId())
    streams.push(s)
  }
  expect(new Set(streams.map(workerOf)).size).toBe(2)
  return streams
}

const none = async () => ({})

interface Health {
  status: string
  checks: Record<string, { ok: boolean; detail?: string }>
  workers: Array<{ nodeId: string; pid: number; status: string }>
}

// bounded: a connection the primary was handing to a worker as it died is never answered (operations.md)
const health = async (url: string): Promise<Health> =>
  (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) })).json() as Promise<Health>
/** `likewire_worker_connections`: each worker's open connections, by slot. */
const spread = async (url: string): Promise<Record<string, number>> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const lines = text.matchAll(/^likewire_worker_connections\{worker="(\d+)"\} (\d+)$/gm)
  return Object.fromEntries([...lines].map((m) => [m[1]!, Number(m[2])]))
}
const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(' ')[1])
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('likewire standalone --workers 2: one node on one port', () => {
  it('streams on either worker get every publish; a subscribe reaching the other worker is answered by the owner', async () => {
    const server = await node()
    expect(server.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers, one node\)/)
    const streams = await onBothWorkers(server.url, '/v1/connect?topics=t', none)
    const res = await post(`${server.url}/v1/publish`, { topic: 't', data: 'to all' })
    expect(res.status).toBe(202)
    for (const s of streams) await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))
    // the POSTs go over one keep-alive connection, held by one worker: half of them are the other's streams
    for (const s of streams) {
      const answer = await post(`${server.url}/v1/subscribe`, {
        connectionId: s.connectionId(),
        topics: ['u'],
      })
      expect(answer).toEqual({ status: 200, body: { topics: ['t', 'u'] } })
    }
    const unknown = await post(`${server.url}/v1/subscribe`, {
      connectionId: `${workerOf(streams[0]!)}-9.nobody`,
      topics: ['u'],
    })
    expect(unknown.status).toBe(404)
    const second = await post(`${server.url}/v1/publish`, { topic: 'u', data: 'routed' })
    for (const s of streams) await vi.waitFor(() => expect(s.data().at(-1)?.id).toBe(second.body.ids[0]))
  })

  it('serves HTTPS with HTTP/2 on the shared port (each worker terminates its own TLS)', async () => {
    const cert = selfSignedCertificate()
    cleanups.push(() => cert.remove())
    const server = await node(['--tls-cert', cert.certFile, '--tls-key', cert.keyFile])
    const url = `https://127.0.0.1:${server.port}`
    expect(server.output()).toContain(`listening on ${url} (2 workers, one node)`)
    const session = await h2Session(url, cert)
    const s = h2Stream(session, '/v1/connect?topics=demo')
    await vi.waitFor(() => s.connectionId())
    const res = await h2Post(session, '/v1/publish', { topic: 'demo', data: 'over h2' })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))
  })

  it('/metrics and /healthz answer for the whole node', async () => {
    const server = await node()
    const streams = await onBothWorkers(server.url, '/v1/connect?topics=t', none)
    const report = await health(server.url)
    expect(report.status).toBe('ok')
    expect(report.checks.workers).toEqual({ ok: true, detail: '2 of 2 serving' })
    expect(new Set(report.workers.map((w) => w.nodeId))).toEqual(new Set(streams.map(workerOf)))
    expect(new Set(report.workers.map((w) => w.pid)).size).toBe(2)
    await vi.waitFor(async () =>
      expect(await metric(server.url, 'likewire_connections')).toBe(streams.length),
    )
    expect(await metric(server.url, 'likewire_workers')).toBe(2)
    await post(`${server.url}/v1/publish`, { topic: 't', data: 1 })
    // one publish, counted once (by the primary's dispatcher), delivered on both workers
    await vi.waitFor(async () =>
      expect(await metric(server.url, 'likewire_deliveries_total')).toBe(streams.length),
    )
    expect(await metric(server.url, 'likewire_published_events_total')).toBe(1)
  })

  it('the kernel spreads connections (the default): a stopped worker takes none, the live one accepts every new one', async () => {
    const server = await node()
    const streams = await onBothWorkers(server.url, '/v1/connect?topics=t', none)
    await vi.waitFor(async () => {
      const bySlot = await spread(server.url)
      expect(Object.keys(bySlot).sort()).toEqual(['0', '1'])
      expect(bySlot['0']! + bySlot['1']!).toBe(streams.length)
    })
    const stopped = streams[0]!
    const pid = (await health(server.url)).workers.find((w) => w.nodeId === workerOf(stopped))!.pid
    process.kill(pid, 'SIGSTOP')
    cleanups.push(() => {
      if (alive(pid)) process.kill(pid, 'SIGCONT')
    })
    // round robin would hand about half of these to the stopped worker, where they would hang
    const later: Stream[] = []
    for (let i = 0; i < 6; i++) {
      const s = await openStream(`${server.url}/v1/connect?topics=t`)
      cleanups.push(() => s.close())
      await vi.waitFor(() => s.connectionId(), { timeout: 3000 })
      later.push(s)
    }
    expect(new Set(later.map(workerOf))).toEqual(
      new Set([workerOf(streams.find((s) => workerOf(s) !== workerOf(stopped))!)]),
    )
    process.kill(pid, 'SIGCONT')
  })

  it('--balance round-robin: the primary deals connections to the workers in turn', async () => {
    const server = await node(['--balance', 'round-robin'])
    const streams: Stream[] = []
    for (let i = 0; i < 6; i++) {
      const s = await openStream(`${server.url}/v1/connect?topics=t`)
      cleanups.push(() => s.close())
      await vi.waitFor(() => s.connectionId())
      streams.push(s)
    }
    const owners = streams.map(workerOf)
    expect(new Set(owners).size).toBe(2)
    for (let i = 2; i < owners.length; i++) expect(owners[i]).toBe(owners[i - 2])
    expect(owners[1]).not.toBe(owners[0])
    await vi.waitFor(async () => expect(await spread(server.url)).toEqual({ '0': 3, '1': 3 }))
  })

  it('history positions are given in one place: a client resumes on either worker, in order, nothing missed', async () => {
    const server = await node(['--history', 'chat:*=100'])
    const first = await stream(`${server.url}/v1/connect?topics=chat:1`)
    for (const n of [1, 2]) await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: n })
    await vi.waitFor(() => expect(first.data().map((e) => e.data)).toEqual([1, 2]))
    const lastId = first.events.filter((e) => e.event === undefined).at(-1)!.id!
    first.close()
    for (const n of [3, 4]) await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: n })
    const resumed = await onBothWorkers(server.url, '/v1/connect?topics=chat:1', async () => ({
      'Last-Event-ID': lastId,
    }))
    const positions = (s: Stream) =>
      s.data().map((e) => (e as unknown as { pos: { epoch: string; offset: number } }).pos)
    const epoch = positions(first)[0]!.epoch
    for (const s of resumed) {
      await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual([3, 4]))
      expect(positions(s)).toEqual([
        { epoch, offset: 3 },
        { epoch, offset: 4 },
      ])
    }
  })

  it('presence and viewer counts are the whole node', async () => {
    const server = await node(['--presence-grace-ms', '300'], { LIKEWIRE_JWT_SECRET: SECRET })
    const bearer = async (sub: string) => ({ Authorization: `Bearer ${await token({ sub })}` })
    const ann = await stream2(server.url, '/v1/connect?topics=room', await bearer('ann'))
    // watchers on both workers: one of them is not ann's
    const watchers = await onBothWorkers(
      server.url,
      '/v1/connect?topics=member:ann/$presence,room/$viewers',
      () => bearer('bob'),
    )
    const of = <T>(s: Stream, topic: string, field: string) =>
      s
        .data()
        .filter((e) => e.topic === topic)
        .map((e) => (e.data as Record<string, T>)[field])
    for (const w of watchers) {
      await vi.waitFor(() => expect(of(w, 'member:ann/$presence', 'status')).toEqual(['online']))
      // counts go out every 500 ms (viewerCountIntervalMs) from sums the workers report: allow a few rounds
      await vi.waitFor(() => expect(of(w, 'room/$viewers', 'count').at(-1)).toBe(1), { timeout: 5000 })
    }
    const viewers = await onBothWorkers(server.url, '/v1/connect?topics=room', () => bearer('cy'))
    for (const w of watchers)
      await vi.waitFor(() => expect(of(w, 'room/$viewers', 'count').at(-1)).toBe(1 + viewers.length), {
        timeout: 5000,
      })
    ann.close()
    for (const w of watchers)
      await vi.waitFor(() => expect(of(w, 'member:ann/$presence', 'status')).toEqual(['online', 'offline']))
  })

  it('kill -9 a worker: it is replaced, and its clients reconnect and receive', async () => {
    const server = await node()
    const client = createClient({ url: server.url, backoff: { baseMs: 50, maxMs: 300 } })
    cleanups.push(() => client.close())
    const got: unknown[] = []
    client.subscribe('t', (event) => got.push(event.data))
    await vi.waitFor(() => expect(client.state.connectionId).not.toBeNull())
    const owner = client.state.connectionId!.split('.')[0]!
    const before = await health(server.url)
    const victim = before.workers.find((w) => w.nodeId === owner)!
    process.kill(victim.pid, 'SIGKILL')
    await vi.waitFor(() => expect(client.state.connectionId?.startsWith(`${owner}.`)).toBe(false), {
      timeout: 10_000,
    })
    await vi.waitFor(() => expect(client.state.status).toBe('connected'))
    const res = await post(`${server.url}/v1/publish`, { topic: 't', data: 'after' })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(got).toEqual(['after']))
    await vi.waitFor(
      async () => {
        const after = await health(server.url)
        expect(after.checks.workers).toEqual({ ok: true, detail: '2 of 2 serving' })
        expect(after.workers.map((w) => w.nodeId)).not.toContain(owner)
      },
      { timeout: 15_000, interval: 200 },
    )
    expect(alive(victim.pid)).toBe(false)
    expect(await metric(server.url, 'likewire_worker_restarts_total')).toBe(1)
  }, 40_000)

  it("a stuck worker (SIGSTOP) never holds back the node's publishes: its batches fail, counted; the others deliver", async () => {
    const cert = selfSignedCertificate()
    cleanups.push(() => cert.remove())
    // the live stream takes the whole burst at once: room for it, so it is no slow consumer
    const tls = ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile]
    const server = await node([...tls, '--max-buffered-bytes', String(16 * 1024 * 1024)])
    const url = `https://127.0.0.1:${server.port}`
    // one HTTP/2 session is one connection, held by one worker: a stream on it says which
    const sessions = new Map<string, { session: ClientHttp2Session; stream: H2Stream }>()
    for (let i = 0; i < 40 && sessions.size < 2; i++) {
      const session = await h2Session(url, cert)
      const stream = h2Stream(session, '/v1/connect?topics=big')
      await vi.waitFor(() => stream.connectionId())
      sessions.set(stream.connectionId().split('.')[0]!, { session, stream })
    }
    const [stuck, live] = [...sessions.keys()] as [string, string]
    const { session, stream } = sessions.get(live)!
    const get = (path: string) => h2Get(session, path)
    const pid = (JSON.parse((await get('/healthz')).text) as Health).workers.find(
      (w) => w.nodeId === stuck,
    )!.pid
    process.kill(pid, 'SIGSTOP')
    cleanups.push(() => {
      if (alive(pid)) process.kill(pid, 'SIGCONT')
    })
    // far more than the channel's socket buffer holds: writes to the stuck worker stop completing
    const data = 'x'.repeat(60_000)
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => h2Post(session, '/v1/publish', { topic: 'big', data })),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(202))
    await vi.waitFor(() => expect(stream.data()).toHaveLength(40))
    expect((await get('/metrics')).text).toMatch(
      /^likewire_forward_failures_total\{target="frontend"\} [1-9]/m,
    )
    const report = await get('/healthz')
    expect(report.status).toBe(503)
    expect((JSON.parse(report.text) as Health).checks.answering?.detail).toContain(stuck)
    process.kill(pid, 'SIGCONT')
    await vi.waitFor(async () => expect((await get('/healthz')).status).toBe(200), { timeout: 10_000 })
  }, 40_000)

  it('SIGTERM drains every worker: each stream gets the reconnect hint, then every process exits', async () => {
    const server = await node()
    const streams = await onBothWorkers(server.url, '/v1/connect?topics=t', none)
    const pids = (await health(server.url)).workers.map((w) => w.pid)
    await server.stop('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    for (const s of streams) {
      expect(s.events.find((e) => e.event === 'likewire.reconnect')?.data).toMatch(/"reason":"shutdown"/)
      await vi.waitFor(() => expect(s.ended).toBe(true))
    }
    for (const pid of pids) await vi.waitFor(() => expect(alive(pid)).toBe(false))
  })

  it('refuses a bad --workers, and a port already taken, with one line and exit 1', async () => {
    const run = (args: string[]) => {
      const { status, stderr } = spawnSync(process.execPath, [likewireBin(), 'standalone', ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      })
      return { status, stderr: stderr.trim() }
    }
    for (const bad of ['0', 'x', '2.5', '-1']) {
      const { status, stderr } = run(['--port', '0', '--workers', bad])
      expect({ status, stderr }).toEqual({
        status: 1,
        stderr: expect.stringMatching(
          /^likewire: --workers must be (a positive integer or "auto"|at least 1), got \S+$/,
        ),
      })
    }
    expect(run(['--port', '0', '--workers', '257'])).toEqual({
      status: 1,
      stderr: 'likewire: --workers must be at most 256, got 257',
    })
    expect(run(['--port', '0', '--workers', '2', '--balance', 'random'])).toEqual({
      status: 1,
      stderr: expect.stringMatching(/'--balance <kernel\|round-robin>' argument 'random' is invalid/),
    })
    const taken = await node()
    expect(run(['--port', String(taken.port), '--host', '127.0.0.1', '--workers', '2'])).toEqual({
      status: 1,
      stderr: `likewire: Port ${taken.port} on 127.0.0.1 is already in use`,
    })
  })
})

/** A stream with headers, connected. */
async function stream2(url: string, path: string, headers: Record<string, string>): Promise<Stream> {
  const s = await openStream(`${url}${path}`, headers)
  cleanups.push(() => s.close())
  await vi.waitFor(() => s.connectionId())
  return s
}

/** `GET path` on an HTTP/2 session: its status and body. */
function h2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = session.request({ ':path': path })
    let status = 0
    let text = ''
    request.on('response', (headers) => {
      status = Number(headers[':status'])
    })
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      text += chunk
    })
    request.on('end', () => resolve({ status, text }))
    request.on('error', reject)
  })
}
