// Tokens over time against a real server: streams ended at exp, plain EventSource with access_token,
// and the token never in a log line.
import { Writable } from 'node:stream'
import { openStream, post, type Stream } from '@likewire/testkit'
import { EventSource } from 'eventsource'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { presenceTopic } from '../src/protocol/topic'
import { metric, type Running, startLikewire } from './helpers'
import { nowSeconds, SECRET, token } from './tokens'

let server: Running | undefined
const streams: Stream[] = []
const sources: EventSource[] = []
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  for (const s of sources.splice(0)) s.close()
  await server?.close()
  server = undefined
})

const jwt = { secret: SECRET }
// a ceiling, not a timing assertion: expiry is within a second of exp, on a loaded machine more
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 50 })

async function stream(path: string, t?: string) {
  const s = await openStream(`${server!.url}${path}`, t ? { Authorization: `Bearer ${t}` } : {})
  streams.push(s)
  await vi.waitFor(() => s.connectionId())
  return s
}

describe('a stream whose token expires', () => {
  it('is ended at exp with a token_expired reconnect hint; the others stay', async () => {
    server = await startLikewire({ auth: { jwt } })
    const soon = await stream('/v1/connect?topics=room:1', await token({ sub: 'ann', exp: nowSeconds() + 2 }))
    const later = await stream(
      '/v1/connect?topics=room:1',
      await token({ sub: 'bob', exp: nowSeconds() + 600 }),
    )
    const never = await stream('/v1/connect?topics=room:1', await token({ sub: 'cy' }))
    // still live until then
    await server.lw.publish('room:1', 'before')
    await eventually(() => expect(soon.data().map((e) => e.data)).toEqual(['before']))

    await eventually(() => expect(soon.ended).toBe(true))
    const hint = soon.events.find((e) => e.event === 'likewire.reconnect')
    expect(JSON.parse(hint!.data)).toEqual({ reason: 'token_expired', delayMs: 0 })
    // a plain EventSource comes back at once: its next connect (same expired token) is refused
    expect(soon.raw).toMatch(/retry: 0\n\nevent: likewire\.reconnect\n/)
    expect(await metric(server.lw, 'likewire_disconnects_total', '{reason="token_expired"}')).toBe(1)

    await server.lw.publish('room:1', 'after')
    await eventually(() => expect(later.data().map((e) => e.data)).toEqual(['before', 'after']))
    await eventually(() => expect(never.data().map((e) => e.data)).toEqual(['before', 'after']))
    expect(later.ended || never.ended).toBe(false)
    expect(server.lw.frontend.connectionCount).toBe(2)
  })
})

describe('expiry and presence', () => {
  it("a token's sub is the member; an expiry followed by a reconnect never shows the member offline", async () => {
    // a short grace, waited past below: an offline recorded at the expiry would be published by then
    const graceMs = 2000
    server = await startLikewire({ auth: { jwt }, presence: { graceMs } })
    const watcher = await stream(`/v1/connect?topics=${presenceTopic('ann')}`, await token({ sub: 'w' }))
    const ann = await stream('/v1/connect', await token({ sub: 'ann', exp: nowSeconds() + 2 }))
    const statuses = () => watcher.data().map((e) => (e.data as { status: string }).status)
    await eventually(() => expect(statuses()).toEqual(['offline', 'online']))
    await eventually(() => expect(ann.ended).toBe(true))
    // what the SDK does on the hint: back at once with a fresh token
    const back = await stream('/v1/connect', await token({ sub: 'ann', exp: nowSeconds() + 600 }))
    await server.lw.core.presence!.settled()
    await new Promise((resolve) => setTimeout(resolve, graceMs + 500))
    await server.lw.core.presence!.sweep()
    expect(statuses()).toEqual(['offline', 'online'])
    expect(await metric(server.lw, 'likewire_presence_flaps_absorbed_total')).toBe(1)
    expect(await metric(server.lw, 'likewire_presence_changes_total', '{status="offline"}')).toBe(0)
    // the same wait and sweep do take the member once it is really gone
    back.close()
    await eventually(() => expect(server!.lw.frontend.connectionCount).toBe(1))
    await server.lw.core.presence!.settled()
    await new Promise((resolve) => setTimeout(resolve, graceMs + 500))
    await server.lw.core.presence!.sweep()
    await eventually(() => expect(statuses()).toEqual(['offline', 'online', 'offline']))
  })
})

describe('a plain EventSource with access_token', () => {
  it('receives events; at expiry it is told to reconnect and its expired token is refused (no loop)', async () => {
    server = await startLikewire({ auth: { jwt } })
    const t = await token({ sub: 'ann', topics: ['live:*'], exp: nowSeconds() + 3 })
    const source = new EventSource(`${server.url}/v1/connect?topics=live:42&access_token=${t}`)
    sources.push(source)
    const messages: unknown[] = []
    const reconnects: unknown[] = []
    let connected = 0
    let errors = 0
    source.onmessage = (event) => messages.push(JSON.parse(event.data).data)
    source.addEventListener('likewire.connected', () => connected++)
    source.addEventListener('likewire.reconnect', (event) => reconnects.push(JSON.parse(event.data)))
    source.onerror = () => errors++
    await eventually(() => expect(connected).toBe(1))
    await server.lw.publish('live:42', { like: 1 })
    await eventually(() => expect(messages).toEqual([{ like: 1 }]))

    await eventually(() => expect(reconnects).toEqual([{ reason: 'token_expired', delayMs: 0 }]))
    // retry: 0, then its one reconnect meets 401 token_expired: EventSource stops for good
    await eventually(() => expect(source.readyState).toBe(EventSource.CLOSED))
    expect(connected).toBe(1)
    expect(errors).toBeGreaterThan(0)
  })
})

describe('the token is never logged', () => {
  it('no log line at trace level carries the token or the URL, whatever the answer', async () => {
    const lines: string[] = []
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk))
          done()
        },
      }),
    )
    let failing = false
    server = await startLikewire({
      auth: { jwt },
      logger,
      authorize: () => {
        if (failing) throw new Error('a bug in the hook') // a 500: the one error a route logs
        return true
      },
    })
    const good = await token({ sub: 'ann' })
    const expired = await token({ sub: 'ann', exp: nowSeconds() - 5 })
    const forged = await token({ sub: 'ann' }, { secret: new TextEncoder().encode('y'.repeat(40)) })
    const s = await stream(`/v1/connect?topics=a&access_token=${good}`)
    await post(`${server.url}/v1/subscribe?access_token=${good}`, {
      connectionId: s.connectionId(),
      topics: ['b'],
    })
    for (const t of [expired, forged, 'garbage', `${good}x`])
      expect((await fetch(`${server.url}/v1/connect?access_token=${t}`)).status).toBe(401)
    failing = true
    expect((await fetch(`${server.url}/v1/connect?topics=c&access_token=${good}`)).status).toBe(500)
    s.close()

    expect(lines.some((line) => line.includes('unexpected error in a route'))).toBe(true) // the logger was in use
    const signatures = [good, expired, forged].map((t) => t.split('.')[2]!)
    for (const line of lines) {
      expect(line).not.toContain('access_token')
      for (const signature of signatures) expect(line).not.toContain(signature)
    }
  })
})
