import { spawn } from 'node:child_process'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { SseParser } from '../sse-parser'
import { nativeLoadClient } from './build'
import { type NativeStats, nativeArgs } from './engine'

const chunked = (...parts: string[]) =>
  parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')

/** One recorded response: every kind of frame the parser tells apart, ts 100 s and 200 s before now. */
function response(now: number): Buffer {
  const old = now - 100_000
  const older = now - 200_000
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'
  return Buffer.from(
    head +
      chunked(
        'retry: 2000\n\nevent: likewire.connected\ndata: {"connectionId":"c1"}\n\n',
        // the last "ts": of a frame is the publisher's, after the envelope's
        `data: {"topic":"t","id":"1","ts":5,"data":{"like":1,"ts":${old}}}\n\n`,
        `id: e1:7\ndata: {"topic":"t","id":"2","ts":${older},"data":null}\n\nevent: likewire.heartbeat\ndata: {"t":1}\n\n`,
        `event: likewire.gap\ndata: {"topic":"t"}\n\nevent: like\nid: 3\ndata: {"ts":${old}}\n\n`,
        'data: {"topic":"t","id":"4","data":"no clock"}\n\n: comment\n\n',
      ),
  )
}

/** What SseParser makes of the bytes: the counts and the ts of every timed data frame. */
function nodeReading(bytes: Buffer) {
  const seen = { connected: 0, data: 0, untimed: 0, gaps: 0, heartbeats: 0, ts: [] as number[] }
  const parser = new SseParser({
    onHead: () => {},
    onConnected: () => seen.connected++,
    onData: (ts) => {
      seen.data++
      if (Number.isNaN(ts)) seen.untimed++
      else seen.ts.push(ts)
    },
    onGap: () => seen.gaps++,
    onHeartbeat: () => seen.heartbeats++,
  })
  parser.push(bytes)
  return seen
}

const servers: net.Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** A raw TCP server: the i-th connection gets `bytes` as two writes split at byte i, 20 ms apart. */
async function splitServer(bytes: Buffer): Promise<number> {
  let accepted = 0
  const server = net.createServer((socket) => {
    const cut = accepted++ % bytes.length
    socket.setNoDelay(true)
    socket.on('error', () => {})
    let request = ''
    socket.on('data', (chunk) => {
      request += chunk.toString('latin1')
      if (!request.includes('\r\n\r\n')) return
      request = ''
      socket.write(bytes.subarray(0, cut))
      setTimeout(() => socket.write(bytes.subarray(cut)), 20)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

const binary = nativeLoadClient()

describe('sse-load (the native load client)', () => {
  it.skipIf(!binary)(
    'reads a response cut at every byte as SseParser does: counts, control frames, latencies',
    async () => {
      const now = Date.now()
      const bytes = response(now)
      const expected = nodeReading(bytes)
      // the recording holds every kind of frame, or the comparison proves little
      expect(expected).toMatchObject({ connected: 1, data: 4, untimed: 1, gaps: 1, heartbeats: 1 })
      const port = await splitServer(bytes)
      const count = bytes.length
      const child = spawn(
        binary!,
        nativeArgs({
          targets: [{ host: '127.0.0.1', port, path: '/v1/connect?topics=t' }],
          count,
          localAddresses: [],
          concurrency: 64,
          worker: 0,
          workers: 1,
        }),
        { stdio: ['pipe', 'pipe', 'inherit'] },
      )
      const latency = new Map<number, number>()
      let last: NativeStats | undefined
      const done = new Promise<void>((resolve) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          last = JSON.parse(line) as NativeStats
          for (let i = 0; i < last.latencyMs.length; i += 2)
            latency.set(last.latencyMs[i]!, (latency.get(last.latencyMs[i]!) ?? 0) + last.latencyMs[i + 1]!)
          if (last.dataFrames >= count * expected.data || last.errors + last.rejected > 0)
            child.stdin.end('close\n')
        })
        child.once('close', () => resolve())
      })
      // a client that never counts them all is read as it stands after 15 s (and fails below)
      const guard = setTimeout(() => child.stdin.end('close\n'), 15_000)
      await done
      clearTimeout(guard)
      expect(last).toMatchObject({
        opened: count,
        ready: count,
        errors: 0,
        rejected: 0,
        dataFrames: count * expected.data,
        untimed: count * expected.untimed,
        gaps: count * expected.gaps,
        heartbeats: count * expected.heartbeats,
      })
      // each timed frame's latency is now - its ts: within the run's few seconds past now - ts at the start
      const late = (Date.now() - now) | 0
      for (const ts of new Set(expected.ts)) {
        let got = 0
        for (const [ms, n] of latency) if (ms >= now - ts && ms <= now - ts + late) got += n
        expect(got).toBe(count * expected.ts.filter((t) => t === ts).length)
      }
    },
  )
})
