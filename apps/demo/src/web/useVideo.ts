import { useConnectionState, useTopic } from '@likewire/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import {
  COMMENT_HISTORY,
  type Comment,
  type CommentEvent,
  type CrowdEvent,
  type CrowdState,
  type LikeEvent,
  topics,
  type VideoState,
  type VideoSummary,
} from '../shared/api'
import { getJson, postJson, RequestError } from './api'

/** Merges two comment lists by id, oldest first, keeping the newest `COMMENT_HISTORY`. */
function mergeComments(current: Comment[], incoming: Comment[]): Comment[] {
  const byId = new Map<string, Comment>()
  for (const comment of [...current, ...incoming]) byId.set(comment.id, comment)
  return [...byId.values()].sort((a, b) => a.createdAt - b.createdAt).slice(-COMMENT_HISTORY)
}

/**
 * Everything live about one video: its state from `GET /api/videos/:id`, kept current by its topics.
 * Re-reads the state on every new connection, so a viewer who was offline catches up.
 */
export function useVideo(videoId: string, onLikes: (delta: number) => void) {
  const [video, setVideo] = useState<VideoSummary | null>(null)
  const [likeCount, setLikeCount] = useState<number | null>(null)
  const [comments, setComments] = useState<Comment[]>([])
  const [crowd, setCrowd] = useState<CrowdState>({ enabled: false, endsAt: null })
  const [loadError, setLoadError] = useState<string | null>(null)
  const likesSinceLoad = useRef(0)
  const loadedVideo = useRef<string | null>(null)
  const { connectionId } = useConnectionState()

  useTopic<LikeEvent>(topics.likes(videoId), (event) => {
    likesSinceLoad.current += 1
    setLikeCount(event.data.likeCount)
    onLikes(event.data.delta)
  })
  useTopic<CommentEvent>(topics.comments(videoId), (event) => {
    setComments((current) => mergeComments(current, [event.data]))
  })
  useTopic<CrowdEvent>(topics.crowd(videoId), (event) => setCrowd(event.data))

  useEffect(() => {
    // losing the connection is the indicator's news; read again once a new connection is up
    if (connectionId === null && loadedVideo.current === videoId) return
    let cancelled = false
    likesSinceLoad.current = 0
    getJson<VideoState>(`/api/videos/${encodeURIComponent(videoId)}`).then(
      (state) => {
        if (cancelled) return
        loadedVideo.current = videoId
        setVideo(state.video)
        // a like event that raced the read is newer than the read
        setLikeCount((current) =>
          likesSinceLoad.current > 0 ? Math.max(current ?? 0, state.likeCount) : state.likeCount,
        )
        setComments((current) => mergeComments(current, state.comments))
        setCrowd(state.crowd)
        setLoadError(null)
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(error instanceof RequestError ? error.message : String(error))
      },
    )
    return () => {
      cancelled = true
    }
  }, [videoId, connectionId])

  const like = useCallback(async () => {
    const { likeCount: total } = await postJson<{ likeCount: number }>(
      `/api/videos/${encodeURIComponent(videoId)}/likes`,
    )
    setLikeCount((current) => Math.max(current ?? 0, total))
  }, [videoId])

  const comment = useCallback(
    async (author: string, text: string) => {
      const { comment: saved } = await postJson<{ comment: Comment }>(
        `/api/videos/${encodeURIComponent(videoId)}/comments`,
        { author, text },
      )
      setComments((current) => mergeComments(current, [saved]))
    },
    [videoId],
  )

  const setCrowdEnabled = useCallback(
    async (enabled: boolean) => {
      const { crowd: state } = await postJson<{ crowd: CrowdState }>(
        `/api/videos/${encodeURIComponent(videoId)}/crowd`,
        { enabled },
      )
      setCrowd(state)
    },
    [videoId],
  )

  return { video, likeCount, comments, crowd, loadError, like, comment, setCrowdEnabled }
}
