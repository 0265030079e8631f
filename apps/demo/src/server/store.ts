import type { Comment } from '../shared/api.js'

/**
 * Where the likes and comments backends keep their state, and the guests' display names. In memory when embedded (the default);
 * `createRedisStore` keeps it in Redis so several demo processes share it.
 */
export interface VideoStore {
  /** Adds `count` likes and returns the new total. */
  addLikes(videoId: string, count: number): Promise<number>
  likeCount(videoId: string): Promise<number>
  /** Stores a comment, keeping only the newest `limit`. Returns the number of comments ever made. */
  addComment(comment: Comment, limit: number): Promise<number>
  /** The newest `limit` comments, oldest first. */
  recentComments(videoId: string, limit: number): Promise<Comment[]>
  commentCount(videoId: string): Promise<number>
  /**
   * Marks a simulated crowd running on `videoId` until `endsAt` (ms since epoch), unless one already
   * is. True when this call started it: one process of the cluster runs each crowd.
   */
  claimCrowd(videoId: string, endsAt: number): Promise<boolean>
  /** When the running crowd ends, or null when none runs. */
  crowdEndsAt(videoId: string): Promise<number | null>
  /** Ends the crowd (only the one ending at `endsAt`, when given). True when one was running. */
  releaseCrowd(videoId: string, endsAt?: number): Promise<boolean>
  /** Remembers a guest's display name for `ttlMs` (renewed with each of its tokens): other viewers look it up. */
  saveGuestName(id: string, name: string, ttlMs: number): Promise<void>
  /** The names of the guests among `ids` that are known (unknown and expired ones left out). */
  guestNames(ids: readonly string[]): Promise<Map<string, string>>
  close(): Promise<void>
}

interface VideoRecord {
  likes: number
  comments: Comment[]
  commentCount: number
}

/** Guest names the embedded store keeps at most: the least recently renewed go first. */
export const MEMORY_GUEST_NAMES = 10_000

/** The embedded store: a Map, lost on restart. `seedLikes` makes a fresh demo look lived-in. */
export function createMemoryStore(options: { seedLikes?: Record<string, number> } = {}): VideoStore {
  const videos = new Map<string, VideoRecord>()
  const crowds = new Map<string, number>()
  const guests = new Map<string, { name: string; expiresAt: number }>()
  const crowdEndsAt = (videoId: string) => {
    const endsAt = crowds.get(videoId)
    if (endsAt !== undefined && endsAt <= Date.now()) crowds.delete(videoId)
    return crowds.get(videoId) ?? null
  }
  const record = (videoId: string): VideoRecord => {
    let found = videos.get(videoId)
    if (!found) {
      found = { likes: options.seedLikes?.[videoId] ?? 0, comments: [], commentCount: 0 }
      videos.set(videoId, found)
    }
    return found
  }
  return {
    async addLikes(videoId, count) {
      const r = record(videoId)
      r.likes += count
      return r.likes
    },
    async likeCount(videoId) {
      return record(videoId).likes
    },
    async addComment(comment, limit) {
      const r = record(comment.videoId)
      r.comments.push(comment)
      if (r.comments.length > limit) r.comments.splice(0, r.comments.length - limit)
      r.commentCount += 1
      return r.commentCount
    },
    async recentComments(videoId, limit) {
      return record(videoId).comments.slice(-limit)
    },
    async commentCount(videoId) {
      return record(videoId).commentCount
    },
    async claimCrowd(videoId, endsAt) {
      if (crowdEndsAt(videoId) !== null) return false
      crowds.set(videoId, endsAt)
      return true
    },
    async crowdEndsAt(videoId) {
      return crowdEndsAt(videoId)
    },
    async releaseCrowd(videoId, endsAt) {
      const current = crowdEndsAt(videoId)
      if (current === null || (endsAt !== undefined && current !== endsAt)) return false
      return crowds.delete(videoId)
    },
    async saveGuestName(id, name, ttlMs) {
      guests.delete(id) // re-inserted last: a Map iterates in insertion order, oldest first
      guests.set(id, { name, expiresAt: Date.now() + ttlMs })
      for (const oldest of guests.keys()) {
        if (guests.size <= MEMORY_GUEST_NAMES) break
        guests.delete(oldest)
      }
    },
    async guestNames(ids) {
      const names = new Map<string, string>()
      for (const id of ids) {
        const guest = guests.get(id)
        if (guest && guest.expiresAt > Date.now()) names.set(id, guest.name)
      }
      return names
    },
    async close() {
      videos.clear()
      crowds.clear()
      guests.clear()
    },
  }
}
