import { createClient, type LikewireClient, type PresenceStatus, type TopicMembers } from '@likewire/client'
import { SignJWT } from 'jose'
import { afterEach, expect, it } from 'vitest'
import type { CommentEvent, GuestSession } from '../shared/api.js'
import { GUEST_TOKEN_AUDIENCE, GUEST_TOKEN_ISSUER } from './guest.js'
import { serveDemo } from './test-app.js'

// Guests as Likewire sees them, for real: the embedded demo on a free port, @likewire/client streams
// carrying guest tokens, presence and topic members as the page reads them.
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function started(options: Parameters<typeof serveDemo>[0] = {}) {
  const demo = await serveDemo(options)
  cleanups.push(() => demo.close())
  /** A client streaming as `session`'s guest; each connect renews its token, as the page's getToken. */
  const clientOf = (session: GuestSession, onToken?: () => void): LikewireClient => {
    const client = createClient({
      url: `${demo.base}/realtime`,
      getToken: async () => {
        onToken?.()
        const renewed = await demo.post('/api/guest', { id: session.guest.id, key: session.key })
        return ((await renewed.json()) as GuestSession).token
      },
      onError: () => {},
    })
    cleanups.push(() => client.close())
    return client
  }
  return { ...demo, clientOf }
}

it('a stream needs a guest token: none or a forged one is 401, a topic outside the guest’s grants 403', async () => {
  const demo = await started()
  const ann = await demo.guest('Ann')
  const connect = async (query: string, headers: Record<string, string> = {}) => {
    const controller = new AbortController()
    const response = await fetch(`${demo.base}/realtime/v1/connect?${query}`, {
      headers,
      signal: controller.signal,
    })
    const status = response.status
    const code = status === 200 ? null : ((await response.json()) as { error: { code: string } }).error.code
    controller.abort()
    return { status, code }
  }
  const forged = await new SignJWT({ name: 'Ann' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(ann.guest.id)
    .setIssuer(GUEST_TOKEN_ISSUER)
    .setAudience(GUEST_TOKEN_AUDIENCE)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode('not the demo’s secret, but long enough'))

  expect(await connect('topics=video:red:likes')).toEqual({ status: 401, code: 'unauthorized' })
  expect(await connect('topics=video:red:likes', { Authorization: `Bearer ${forged}` })).toEqual({
    status: 401,
    code: 'unauthorized',
  })
  expect(await connect('topics=admin:secrets', { Authorization: `Bearer ${ann.token}` })).toEqual({
    status: 403,
    code: 'forbidden',
  })
  expect(await connect('topics=video:red:likes', { Authorization: `Bearer ${ann.token}` })).toEqual({
    status: 200,
    code: null,
  })
  // a plain EventSource's way, for the same token
  expect(await connect(`topics=video:red:likes&access_token=${ann.token}`)).toEqual({
    status: 200,
    code: null,
  })
})

it('a guest watching a video is its member and online; after its stream closes, offline and gone once the grace is over', async () => {
  const demo = await started({ presenceGraceMs: 300 })
  const ann = await demo.guest('Ann')
  const annClient = demo.clientOf(ann)
  await new Promise<void>((resolve) =>
    annClient.subscribe('video:red:likes', () => {}, { onSubscribed: resolve }),
  )

  const watcher = demo.clientOf(await demo.guest('Watcher'))
  const statuses: PresenceStatus[] = []
  watcher.watchPresence(ann.guest.id, (presence) => statuses.push(presence.status))
  let members: TopicMembers | null = null
  watcher.members('video:red:likes', (current) => {
    members = current
  })
  await expect.poll(() => statuses).toEqual(['online'])
  await expect.poll(() => members).toMatchObject({ count: 1, members: [{ memberId: ann.guest.id }] })
  // the page names members through the backend
  const names = await fetch(`${demo.base}/api/guests?id=${encodeURIComponent(ann.guest.id)}`)
  expect(await names.json()).toEqual({ guests: [{ id: ann.guest.id, name: 'Ann' }] })

  annClient.close()
  await expect.poll(() => statuses).toEqual(['online', 'offline'])
  await expect.poll(() => members).toMatchObject({ count: 0, members: [] })
})

it('a guest token that expires mid-stream is renewed through getToken: the same member, comments resume, and a watcher never sees the guest offline', async () => {
  // tokens of one to two seconds (whole seconds); a grace far longer than the reconnect
  const demo = await started({ guests: { tokenTtlMs: 2000 }, presenceGraceMs: 10_000 })
  const ann = await demo.guest('Ann')
  let tokens = 0
  const annClient = demo.clientOf(ann, () => {
    tokens += 1
  })
  const comments: string[] = []
  await new Promise<void>((resolve) =>
    annClient.subscribe<CommentEvent>('video:red:comments', (event) => comments.push(event.data.text), {
      onSubscribed: resolve,
    }),
  )
  const watcher = demo.clientOf(await demo.guest('Watcher'))
  const statuses: PresenceStatus[] = []
  watcher.watchPresence(ann.guest.id, (presence) => statuses.push(presence.status))
  let members: TopicMembers | null = null
  watcher.members('video:red:comments', (current) => {
    members = current
  })
  await expect.poll(() => statuses).toEqual(['online'])

  // another guest comments, with a fresh token each time (they last a second or two here)
  const say = async (text: string) => {
    const { token } = await demo.guest('Bob')
    const posted = await demo.post('/api/videos/red/comments', { text }, { Authorization: `Bearer ${token}` })
    expect(posted.status).toBe(201)
  }
  await say('before the expiry')
  // the stream is ended at each token's expiry; the client asks for a new token and comes back
  await expect.poll(() => tokens, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
  await say('after two expiries')
  await expect.poll(() => comments).toEqual(['before the expiry', 'after two expiries'])
  expect(annClient.state.status).toBe('connected')
  expect(statuses).toEqual(['online'])
  // every renewed token named Ann: she is the one member of the topic (another id would be a second)
  expect(members).toMatchObject({ count: 1, members: [{ memberId: ann.guest.id }] })
})
