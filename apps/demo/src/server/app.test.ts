import { afterEach, describe, expect, it } from 'vitest'
import { COMMENT_MAX_LENGTH, topics } from '../shared/api.js'
import { testApp } from './test-app.js'

function setup(options: { failPublish?: boolean } = {}) {
  const app = testApp(options)
  cleanups.push(app.close)
  return app
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('GET /api/videos', () => {
  it('lists at least three live videos, the talk’s red and green among them, with counts', async () => {
    const { request } = setup()
    const response = await request('/api/videos')
    expect(response.status).toBe(200)
    const { videos } = (await response.json()) as { videos: { id: string; likeCount: number }[] }
    expect(videos.length).toBeGreaterThanOrEqual(3)
    expect(videos.map((video) => video.id)).toEqual(expect.arrayContaining(['red', 'green']))
    expect(videos.find((video) => video.id === 'red')?.likeCount).toBe(10)
  })
})

describe('GET /api/videos/:id', () => {
  it('gives a new viewer the like count and the last comments', async () => {
    const { request, post } = setup()
    await post('/api/videos/red/likes')
    await post('/api/videos/red/comments', JSON.stringify({ text: 'first!' }))
    const response = await request('/api/videos/red')
    expect(response.status).toBe(200)
    const state = (await response.json()) as {
      likeCount: number
      comments: { author: string; text: string }[]
    }
    expect(state.likeCount).toBe(11)
    expect(state.comments).toMatchObject([{ author: 'Ann', text: 'first!' }])
  })

  it('with ?comments=false, leaves the comments out (the page takes them from their history topic)', async () => {
    const { request, post } = setup()
    await post('/api/videos/red/comments', JSON.stringify({ text: 'first!' }))
    const response = await request('/api/videos/red?comments=false')
    expect(response.status).toBe(200)
    const state = (await response.json()) as Record<string, unknown>
    expect(Object.keys(state).sort()).toEqual(['crowd', 'likeCount', 'video'])
    expect(state.likeCount).toBe(10)
    // any other value is the whole state
    expect(await (await request('/api/videos/red?comments=true')).json()).toMatchObject({
      comments: [{ text: 'first!' }],
    })
  })

  it('answers 404 unknown_video for a video that does not exist', async () => {
    const { request } = setup()
    const response = await request('/api/videos/purple')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { code: 'unknown_video', message: expect.any(String) } })
  })
})

describe('POST /api/videos/:id/likes', () => {
  it('counts the like and publishes it on the video’s likes topic only', async () => {
    const { post, published } = setup()
    const response = await post('/api/videos/red/likes')
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual({ likeCount: 11 })
    expect(published).toEqual([
      { topic: topics.likes('red'), data: { videoId: 'red', likeCount: 11, delta: 1 } },
    ])
  })

  it('answers 503 unavailable when the like cannot be published', async () => {
    const { post } = setup({ failPublish: true })
    const response = await post('/api/videos/green/likes')
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unavailable')
  })
})

describe('POST /api/videos/:id/comments', () => {
  it('stores the trimmed comment, as the token’s guest, and publishes it on the video’s comments topic', async () => {
    const { post, published } = setup()
    const response = await post('/api/videos/green/comments', JSON.stringify({ text: ' <b>hi</b> ' }))
    expect(response.status).toBe(201)
    const { comment } = (await response.json()) as { comment: Record<string, unknown> }
    expect(comment).toMatchObject({
      videoId: 'green',
      memberId: expect.stringMatching(/^guest:/),
      author: 'Ann',
      text: '<b>hi</b>',
    })
    expect(published).toEqual([{ topic: topics.comments('green'), data: comment }])
  })

  const tooLong = 'x'.repeat(COMMENT_MAX_LENGTH + 1)
  const table: [name: string, path: string, body: string | undefined, status: number, code: string][] = [
    ['no body', '/api/videos/red/comments', undefined, 400, 'invalid_comment'],
    ['malformed JSON', '/api/videos/red/comments', '{"text":', 400, 'invalid_json'],
    ['a JSON array', '/api/videos/red/comments', '[]', 400, 'invalid_comment'],
    ['text not a string', '/api/videos/red/comments', '{"text":5}', 400, 'invalid_comment'],
    ['missing text', '/api/videos/red/comments', '{"author":"Ann"}', 400, 'invalid_comment'],
    [
      'memberId not a string',
      '/api/videos/red/comments',
      '{"text":"hi","memberId":7}',
      400,
      'invalid_comment',
    ],
    ['empty text', '/api/videos/red/comments', '{"text":""}', 422, 'empty_comment'],
    ['blank text', '/api/videos/red/comments', '{"text":" \\n\\t "}', 422, 'empty_comment'],
    ['text too long', '/api/videos/red/comments', JSON.stringify({ text: tooLong }), 422, 'comment_too_long'],
    [
      'another member id',
      '/api/videos/red/comments',
      '{"text":"hi","memberId":"guest:AAAAAAAAAAAAAAAAAAAAAA"}',
      403,
      'identity_mismatch',
    ],
    [
      'another author name',
      '/api/videos/red/comments',
      '{"text":"hi","author":"Bob"}',
      403,
      'identity_mismatch',
    ],
    [
      'huge body',
      '/api/videos/red/comments',
      JSON.stringify({ text: 'x'.repeat(20_000) }),
      413,
      'payload_too_large',
    ],
    ['unknown video', '/api/videos/purple/comments', '{"text":"hi"}', 404, 'unknown_video'],
    ['crowd without enabled', '/api/videos/red/crowd', '{}', 400, 'invalid_crowd'],
    ['crowd with a string', '/api/videos/red/crowd', '{"enabled":"yes"}', 400, 'invalid_crowd'],
    ['unknown route', '/api/nothing', '{}', 404, 'not_found'],
  ]

  it.each(table)('rejects %s with %i %s and publishes nothing', async (_name, path, body, status, code) => {
    const { post, published } = setup()
    const response = await post(path, body)
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } })
    expect(published).toEqual([])
  })

  it('counts a 280-character emoji comment as 280 characters, not UTF-16 units', async () => {
    const { post } = setup()
    const response = await post('/api/videos/red/comments', JSON.stringify({ text: '❤️'.repeat(140) }))
    expect(response.status).toBe(201)
  })
})

describe('POST /api/videos/:id/crowd', () => {
  it('starts a bounded crowd that publishes batches of likes, and stops it', async () => {
    const { post, published } = setup()
    const on = await post('/api/videos/blue/crowd', '{"enabled":true}')
    expect(on.status).toBe(200)
    expect(((await on.json()) as { crowd: { enabled: boolean } }).crowd.enabled).toBe(true)
    await expect
      .poll(() => published.filter((p) => p.topic === topics.likes('blue')).length)
      .toBeGreaterThan(3)
    const off = await post('/api/videos/blue/crowd', '{"enabled":false}')
    expect(((await off.json()) as { crowd: { enabled: boolean } }).crowd).toEqual({
      enabled: false,
      endsAt: null,
    })
    expect(published.filter((p) => p.topic === topics.crowd('blue')).map((p) => p.data)).toMatchObject([
      { enabled: true },
      { enabled: false },
    ])
    const likes = published
      .filter((p) => p.topic === topics.likes('blue'))
      .map((p) => p.data as { likeCount: number })
    expect(likes.map((like) => like.likeCount)).toEqual(
      [...likes.map((like) => like.likeCount)].sort((a, b) => a - b),
    )
  })
})
