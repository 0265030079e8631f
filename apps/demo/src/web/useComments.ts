import { useTopic } from '@likewire/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { COMMENT_HISTORY, type Comment, type CommentEvent, topics, type VideoState } from '../shared/api'
import { getJson } from './api'

/** A new viewer starts with the last comments from the history topic: as many as the page shows. */
export const COMMENTS_REWIND = COMMENT_HISTORY
/** A refetch after a gap that fails is tried again this many times, 1 s, 2 s, 4 s… apart. */
const REFETCH_ATTEMPTS = 5

/** A refetch of the comments after a gap. */
interface Refetch {
  attempt: number
  /** The comments that arrived since it started, kept on top of what it reads. */
  arrived: Comment[]
  timer?: ReturnType<typeof setTimeout>
}

/** Merges two comment lists by id, oldest first, keeping the newest `COMMENT_HISTORY`. */
export function mergeComments(current: readonly Comment[], incoming: readonly Comment[]): Comment[] {
  const byId = new Map<string, Comment>()
  for (const comment of [...current, ...incoming]) byId.set(comment.id, comment)
  return [...byId.values()].sort((a, b) => a.createdAt - b.createdAt).slice(-COMMENT_HISTORY)
}

/**
 * The comments of one video, fed by its history topic: a new viewer starts with the last
 * `COMMENTS_REWIND` (rewind, no REST call), a viewer who comes back after a network loss gets exactly
 * what it missed (the client resumes), and when Likewire says comments are missing (a gap: away too
 * long, or the server restarted) the list is read again from the comments backend and replaced, while
 * live comments keep coming.
 */
export function useComments(videoId: string) {
  const [comments, setComments] = useState<Comment[]>([])
  const alive = useRef(true)
  const refetch = useRef<Refetch | null>(null)

  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      clearTimeout(refetch.current?.timer)
      refetch.current = null
    }
  }, [])

  const add = useCallback((incoming: Comment[]) => {
    refetch.current?.arrived.push(...incoming)
    setComments((current) => mergeComments(current, incoming))
  }, [])

  const reload = useCallback(() => {
    // a gap during a refetch starts it again; what arrived since the first gap is kept
    clearTimeout(refetch.current?.timer)
    const run: Refetch = { attempt: 0, arrived: refetch.current?.arrived ?? [] }
    refetch.current = run
    const read = () => {
      getJson<VideoState>(`/api/videos/${encodeURIComponent(videoId)}`).then(
        (state) => {
          if (!alive.current || refetch.current !== run) return
          refetch.current = null
          setComments(mergeComments(state.comments, run.arrived))
        },
        () => {
          if (!alive.current || refetch.current !== run) return
          run.attempt += 1
          // the list keeps what it has (and live comments) until a read works
          if (run.attempt >= REFETCH_ATTEMPTS) refetch.current = null
          else run.timer = setTimeout(read, 1000 * 2 ** (run.attempt - 1))
        },
      )
    }
    read()
  }, [videoId])

  useTopic<CommentEvent>(topics.comments(videoId), (event) => add([event.data]), {
    rewind: COMMENTS_REWIND,
    onGap: reload,
  })

  return { comments, add }
}
