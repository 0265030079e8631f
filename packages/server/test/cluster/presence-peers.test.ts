import { freePort, post, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { createDispatcherNode } from '../../src/cluster/dispatcher-node'
import { listen } from '../../src/http/listen'
import { presenceTopic } from '../../src/protocol/topic'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { statusesOf } from './member-nodes'
import { dispatcherNode, frontendNode, SECRET } from './nodes'

const authenticate = (request: Request) => {
  const member = new URL(request.url).searchParams.get('member')
  return member === null ? {} : { memberId: member }
}

async function redisUrl(): Promise<string> {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  return redis.url
}

describe('cluster presence: the route peer datacenters send to', () => {
  it('takes only the cluster secret and well-formed changes (400 invalid_request), publishes global changes once', async () => {
    const redis = await redisUrl()
    const d = await dispatcherNode(redis)
    const fe = await frontendNode(redis)
    cleanups.push(d.close, fe.close)
    const watcher = await stream(`${fe.url}/v1/connect?topics=${encodeURIComponent(presenceTopic('ann'))}`)
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline']))
    const url = `${d.url}/internal/v1/presence`
    const auth = { Authorization: `Bearer ${SECRET}` }
    const online = { dc: 'dc2', changes: [{ memberId: 'ann', status: 'online', since: 1000 }] }

    expect((await post(url, online)).status).toBe(401)
    expect((await post(url, online, { Authorization: 'Bearer wrong' })).status).toBe(401)
    for (const bad of [
      '[]',
      { dc: 'dc 2', changes: [] },
      { dc: 'dc2', changes: 'x' },
      { dc: 'dc2', changes: [{ memberId: '', status: 'online', since: 1 }] },
      { dc: 'dc2', changes: [{ memberId: 'a\u0000b', status: 'online', since: 1 }] },
      { dc: 'dc2', changes: [{ memberId: 'ann', status: 'away', since: 1 }] },
      { dc: 'dc2', changes: [{ memberId: 'ann', status: 'online', since: -1 }] },
      { dc: 'dc2', changes: [{ memberId: 'ann', status: 'online', since: 1.5 }] },
      { dc: 'dc2', changes: [null] },
      { dc: 'dc2', changes: Array.from({ length: 1001 }, () => online.changes[0]) },
    ]) {
      const res = await post(url, bad, auth)
      expect(res.status, JSON.stringify(bad).slice(0, 80)).toBe(400)
      expect(res.body.error.code).toMatch(/^invalid_(request|json)$/)
    }
    expect((await post(url, '{', auth)).body.error.code).toBe('invalid_json')

    expect((await post(url, online, auth)).status).toBe(202)
    expect((await post(url, online, auth)).status).toBe(202) // sent twice: published once
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))
    expect(watcher.data().at(-1)!.data).toEqual({ memberId: 'ann', status: 'online', since: 1000 })
    expect(await metric(d.node, 'likewire_presence_changes_total', '{status="online"}')).toBe(1)
  })

  it('a peer datacenter that is down gets its changes when it is back, the latest per member', async () => {
    const [redis1, redis2] = await Promise.all([redisUrl(), redisUrl()])
    const port2 = await freePort()
    const fe1 = await frontendNode(redis1, {
      authenticate,
      dc: 'dc1',
      peers: { dc2: [`http://127.0.0.1:${port2}`] },
      presence: { graceMs: 500 },
    })
    const fe2 = await frontendNode(redis2, { dc: 'dc2' })
    cleanups.push(fe1.close, fe2.close)
    const inDc2 = await stream(`${fe2.url}/v1/connect?topics=${encodeURIComponent(presenceTopic('ann'))}`)
    const ann = await stream(`${fe1.url}/v1/connect?member=ann`)
    await vi.waitFor(async () =>
      expect(
        await metric(fe1.node, 'likewire_forward_failures_total', '{target="dc:dc2"}'),
      ).toBeGreaterThanOrEqual(1),
    )
    ann.close() // offline while dc2 is down: the queued online is replaced by it
    await vi.waitFor(async () =>
      expect(await metric(fe1.node, 'likewire_presence_changes_total', '{status="offline"}')).toBe(1),
    )
    await stream(`${fe1.url}/v1/connect?member=ann`) // and online again
    await vi.waitFor(async () =>
      expect(await metric(fe1.node, 'likewire_presence_changes_total', '{status="online"}')).toBe(2),
    )

    const d2 = await createDispatcherNode({
      redis: redis2,
      secret: SECRET,
      dc: 'dc2',
      logLevel: 'silent',
      processMetrics: false,
    })
    const listening = await listen(d2.app, { port: port2 })
    cleanups.push(async () => {
      await d2.close()
      await listening.close()
    })
    // one retry later dc2 learns ann is online, once
    await vi.waitFor(() => expect(statusesOf(inDc2, 'ann')).toEqual(['offline', 'online']), {
      timeout: 5000,
    })
  })
})
