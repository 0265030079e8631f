import type { Comment } from '../shared/api.js'

/**
 * Where the likes and comments backends keep their state. In memory when embedded (the default);
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
  close(): Promise<void>
}

interface VideoRecord {
  likes: number
  comments: Comment[]
  commentCount: number
}

/** The embedded store: a Map, lost on restart. `seedLikes` makes a fresh demo look lived-in. */
export function createMemoryStore(options: { seedLikes?: Record<string, number> } = {}): VideoStore {
  const videos = new Map<string, VideoRecord>()
  const crowds = new Map<string, number>()
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
    async close() {
      videos.clear()
      crowds.clear()
    },
  }
}
