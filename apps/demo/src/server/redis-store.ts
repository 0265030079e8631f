import { Redis } from 'ioredis'
import type { Comment } from '../shared/api.js'
import type { VideoStore } from './store.js'

/**
 * The store for several demo processes (`REDIS_URL`): a counter and a capped list per video, the
 * running crowd (a key that expires when the crowd ends), and a key per guest name (expiring too).
 */
export function createRedisStore(url: string, options: { prefix?: string } = {}): VideoStore {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 })
  const prefix = options.prefix ?? 'likewire-demo:'
  const key = (videoId: string, what: string) => `${prefix}video:${videoId}:${what}`
  return {
    async addLikes(videoId, count) {
      return redis.incrby(key(videoId, 'likes'), count)
    },
    async likeCount(videoId) {
      return Number((await redis.get(key(videoId, 'likes'))) ?? 0)
    },
    async addComment(comment, limit) {
      const results = await redis
        .multi()
        .rpush(key(comment.videoId, 'comments'), JSON.stringify(comment))
        .ltrim(key(comment.videoId, 'comments'), -limit, -1)
        .incr(key(comment.videoId, 'comment-count'))
        .exec()
      return Number(results?.[2]?.[1] ?? 0)
    },
    async recentComments(videoId, limit) {
      const rows = await redis.lrange(key(videoId, 'comments'), -limit, -1)
      return rows.map((row) => JSON.parse(row) as Comment)
    },
    async commentCount(videoId) {
      return Number((await redis.get(key(videoId, 'comment-count'))) ?? 0)
    },
    async claimCrowd(videoId, endsAt) {
      const ttl = Math.max(1, endsAt - Date.now())
      return (await redis.set(key(videoId, 'crowd'), String(endsAt), 'PX', ttl, 'NX')) === 'OK'
    },
    async crowdEndsAt(videoId) {
      const endsAt = await redis.get(key(videoId, 'crowd'))
      return endsAt === null ? null : Number(endsAt)
    },
    async releaseCrowd(videoId, endsAt) {
      if (endsAt === undefined) return (await redis.del(key(videoId, 'crowd'))) > 0
      // delete only the crowd ending at endsAt, not one started since by another process
      const deleted = await redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
        1,
        key(videoId, 'crowd'),
        String(endsAt),
      )
      return deleted === 1
    },
    async saveGuestName(id, name, ttlMs) {
      await redis.set(`${prefix}guest:${id}`, name, 'PX', Math.max(1, Math.round(ttlMs)))
    },
    async guestNames(ids) {
      const names = new Map<string, string>()
      if (ids.length === 0) return names
      const found = await redis.mget(ids.map((id) => `${prefix}guest:${id}`))
      ids.forEach((id, i) => {
        const name = found[i]
        if (typeof name === 'string') names.set(id, name)
      })
      return names
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
