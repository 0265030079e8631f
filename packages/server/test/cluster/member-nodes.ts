import { fileURLToPath } from 'node:url'
import { freePort, openStream, type SpawnedProcess, type Stream, spawnProcess } from '@likewire/testkit'
import { expect, vi } from 'vitest'
import { cleanups } from './cleanup'
import { SECRET } from './nodes'

const fixture = fileURLToPath(new URL('./member-frontend.mjs', import.meta.url))

export interface MemberFrontend extends SpawnedProcess {
  url: string
}

/** A real frontend process whose connections name their member with `?member=` (member-frontend.mjs). */
export async function memberFrontend(
  redis: string,
  options: {
    nodeId: string
    graceMs: number
    leaseTtlMs?: number
    dc?: string
    peers?: Record<string, string[]>
  },
): Promise<MemberFrontend> {
  const port = await freePort()
  const child = await spawnProcess(process.execPath, [fixture], {
    name: `member frontend ${options.nodeId}`,
    ready: /listening on/,
    env: {
      ...process.env,
      LW_PORT: String(port),
      LW_REDIS: redis,
      LW_SECRET: SECRET,
      LW_NODE_ID: options.nodeId,
      LW_GRACE_MS: String(options.graceMs),
      LW_LEASE_TTL_MS: String(options.leaseTtlMs ?? 5000),
      LW_DC: options.dc ?? 'dc1',
      LW_PEERS: options.peers ? JSON.stringify(options.peers) : '',
    },
  })
  cleanups.push(() => child.stop())
  return { ...child, url: `http://127.0.0.1:${port}` }
}

export type Status = { memberId: string; status: 'online' | 'offline'; since: number | null }

/** A stream watching members' presence topics; resolved once connected. */
export async function watch(frontend: { url: string }, topics: string[]): Promise<Stream> {
  const stream = await openStream(`${frontend.url}/v1/connect?topics=${encodeURIComponent(topics.join(','))}`)
  cleanups.push(() => stream.close())
  await vi.waitFor(() => stream.connectionId())
  return stream
}

/** A member's stream (no topics needed: being connected is being online). */
export async function member(frontend: { url: string }, memberId: string): Promise<Stream> {
  const stream = await openStream(`${frontend.url}/v1/connect?member=${encodeURIComponent(memberId)}`)
  cleanups.push(() => stream.close())
  expect(stream.status).toBe(200)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

/** The statuses a watcher got for one member, in order (its snapshot first). */
export function statusesOf(stream: Stream, memberId: string): Array<Status['status']> {
  return stream
    .data()
    .map((event) => event.data as Status)
    .filter((status) => status.memberId === memberId)
    .map((status) => status.status)
}

/** A metric's value from a node's /metrics. */
export async function scrape(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `))
  return line ? Number(line.split(' ').pop()) : 0
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
