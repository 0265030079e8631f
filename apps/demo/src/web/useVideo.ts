import { useConnectionState, useTopic } from '@likewire/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import {
  type Comment,
  type CrowdEvent,
  type CrowdState,
  type LikeEvent,
  type LiveState,
  topics,
  type VideoSummary,
} from '../shared/api'
import { getJson, postJson, RequestError } from './api'
import { guest } from './guest'
import { createLikeTotal } from './likes/like-total'
import { useComments } from './useComments'

/**
 * Everything live about one video: its likes and crowd from `GET /api/videos/:id?comments=false`, kept
 * current by their fire-and-forget topics and re-read on every new connection (what was published while
 * the page was offline is lost on those topics), and its comments from their history topic
 * (`useComments`), which recovers by itself.
 */
export function useVideo(videoId: string, onLikes: (delta: number) => void) {
  const [video, setVideo] = useState<VideoSummary | null>(null)
  // a store, not state: thousands of like events a second must not re-render the page
  const [likes] = useState(createLikeTotal)
  const { comments, add: addComments } = useComments(videoId)
  const [crowd, setCrowd] = useState<CrowdState>({ enabled: false, endsAt: null })
  const [loadError, setLoadError] = useState<string | null>(null)
  const likesSinceLoad = useRef(0)
  const loadedVideo = useRef<string | null>(null)
  const { connectionId } = useConnectionState()

  useTopic<LikeEvent>(topics.likes(videoId), (event) => {
    likesSinceLoad.current += 1
    likes.raise(event.data.likeCount)
    onLikes(event.data.delta)
  })
  useTopic<CrowdEvent>(topics.crowd(videoId), (event) => setCrowd(event.data))

  useEffect(() => {
    // losing the connection is the indicator's news; read again once a new connection is up
    if (connectionId === null && loadedVideo.current === videoId) return
    let cancelled = false
    likesSinceLoad.current = 0
    getJson<LiveState>(`/api/videos/${encodeURIComponent(videoId)}?comments=false`).then(
      (state) => {
        if (cancelled) return
        loadedVideo.current = videoId
        setVideo(state.video)
        // a like event that raced the read is newer than the read
        if (likesSinceLoad.current > 0) likes.raise(state.likeCount)
        else likes.set(state.likeCount)
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
  }, [videoId, connectionId, likes])

  const like = useCallback(async () => {
    const { likeCount: total } = await postJson<{ likeCount: number }>(
      `/api/videos/${encodeURIComponent(videoId)}/likes`,
    )
    likes.raise(total)
  }, [videoId, likes])

  const comment = useCallback(
    async (text: string) => {
      // as this browser's guest: the server takes who comments from the token
      const { comment: saved } = await guest.post<{ comment: Comment }>(
        `/api/videos/${encodeURIComponent(videoId)}/comments`,
        { text },
      )
      // shown at once; its event (the same id) changes nothing
      addComments([saved])
    },
    [videoId, addComments],
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

  return { video, likes, comments, crowd, loadError, like, comment, setCrowdEnabled }
}
