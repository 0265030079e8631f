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
    async close() {
      videos.clear()
    },
  }
}
