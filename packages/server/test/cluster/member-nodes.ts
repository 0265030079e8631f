import { type LikewireProcess, openStream, type Stream, spawnLikewire } from '@likewire/testkit'
import { expect, vi } from 'vitest'
import { SECRET as JWT_SECRET, token } from '../tokens'
import { cleanups } from './cleanup'
import { SECRET } from './nodes'

/**
 * A real `likewire frontend` process, as an operator runs it: its connections are members by the `sub`
 * of the tokens the tests sign (`--jwt-secret`).
 */
export async function memberFrontend(
  redis: string,
  options: {
    nodeId: string
    graceMs: number
    leaseTtlMs?: number
    dc?: string
    peers?: Record<string, string[]>
    digestMs?: number
  },
): Promise<LikewireProcess> {
  const peers = Object.entries(options.peers ?? {}).map(([dc, urls]) => `${dc}=${urls.join('|')}`)
  const frontend = await spawnLikewire('frontend', [
    ...['--redis', redis, '--secret', SECRET, '--jwt-secret', JWT_SECRET],
    ...['--node-id', options.nodeId, '--presence-grace-ms', String(options.graceMs)],
    ...['--lease-ttl-ms', String(options.leaseTtlMs ?? 5000)],
    ...(options.dc ? ['--dc', options.dc] : []),
    ...(peers.length > 0 ? ['--peers', peers.join(',')] : []),
    ...(options.digestMs ? ['--presence-digest-ms', String(options.digestMs)] : []),
  ])
  cleanups.push(() => frontend.stop())
  return frontend
}

/** A stream watching presence topics, as the member `watcher` (with tokens, every connection is a member). */
export async function watch(frontend: { url: string }, topics: string[]): Promise<Stream> {
  const query = new URLSearchParams({
    topics: topics.join(','),
    access_token: await token({ sub: 'watcher' }),
  })
  const stream = await openStream(`${frontend.url}/v1/connect?${query}`)
  cleanups.push(() => stream.close())
  await vi.waitFor(() => stream.connectionId())
  return stream
}

/** A member's stream (no topics needed: being connected is being online). */
export async function member(frontend: { url: string }, memberId: string): Promise<Stream> {
  const query = new URLSearchParams({ access_token: await token({ sub: memberId }) })
  const stream = await openStream(`${frontend.url}/v1/connect?${query}`)
  cleanups.push(() => stream.close())
  expect(stream.status).toBe(200)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

export type Status = { memberId: string; status: 'online' | 'offline'; since: number | null }

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
