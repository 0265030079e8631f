import { useViewerCount } from '@likewire/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { topics, type VideoSummary } from '../shared/api'
import { Comments } from './Comments'
import { CrowdSwitch } from './CrowdSwitch'
import { formatCount } from './format'
import { Hearts, type HeartsHandle } from './hearts/Hearts'
import { RollingCount } from './likes/RollingCount'
import { LivePlayer } from './player/LivePlayer'
import { useVideo } from './useVideo'
import { Watching } from './Watching'

/**
 * The selected video: player with hearts, the viewer count (streams, live) and who is watching (guests,
 * a leave counted after the presence grace), like bar, crowd switch and comments.
 */
export function VideoStage({ summary }: { summary: VideoSummary }) {
  const hearts = useRef<HeartsHandle>(null)
  // our own likes show a heart at once; their echo from the server then shows none
  const ownPending = useRef(0)
  const onLikes = useCallback((delta: number) => {
    if (delta === 1 && ownPending.current > 0) {
      ownPending.current -= 1
      return
    }
    hearts.current?.add(delta)
  }, [])
  const live = useVideo(summary.id, onLikes)
  const viewers = useViewerCount(topics.likes(summary.id))
  const video = live.video ?? summary
  const [likeError, setLikeError] = useState<string | null>(null)

  const like = useCallback(() => {
    ownPending.current += 1
    hearts.current?.add(1)
    live.like().then(
      () => setLikeError(null),
      () => {
        ownPending.current = Math.max(0, ownPending.current - 1)
        setLikeError('Your like did not go through. Try again.')
      },
    )
  }, [live.like])

  // "L" likes, as on the big live platforms; never while typing
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null
      if (event.key.toLowerCase() !== 'l' || event.repeat || event.metaKey || event.ctrlKey || event.altKey)
        return
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return
      like()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [like])

  return (
    <>
      <section className="stage" aria-labelledby="video-title">
        <LivePlayer video={video}>
          <div className="player-viewers" title="People watching now">
            <EyeIcon />
            <span data-testid="viewer-count">{viewers === null ? '–' : formatCount(viewers)}</span>
            <span className="sr-only"> watching</span>
          </div>
          <Watching topic={topics.likes(summary.id)} />
          <Hearts ref={hearts} />
        </LivePlayer>
        <div className="stage-info">
          <div className="stage-text">
            <h1 id="video-title">{video.title}</h1>
            <p className="muted">{video.host}</p>
          </div>
          <div className="stage-actions">
            <button
              type="button"
              className="like-button"
              data-testid="like-button"
              onClick={like}
              aria-label="Like this video"
              aria-keyshortcuts="L"
            >
              <HeartIcon />
              <span>Like</span>
            </button>
            <div className="like-total">
              <RollingCount total={live.likes} fallback={summary.likeCount} />
              <span className="muted"> likes</span>
            </div>
            <CrowdSwitch crowd={live.crowd} onChange={live.setCrowdEnabled} />
          </div>
        </div>
        {likeError || live.loadError ? (
          <p className="notice" role="alert">
            {likeError ?? live.loadError}
          </p>
        ) : null}
      </section>
      <Comments comments={live.comments} onSubmit={live.comment} />
    </>
  )
}

function HeartIcon() {
  return (
    <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
      <path
        fill="currentColor"
        d="M16 28s-11-6.6-11-14.2C5 9.4 8.2 6.5 11.7 6.5c2 0 3.4 1 4.3 2.3.9-1.3 2.3-2.3 4.3-2.3 3.5 0 6.7 2.9 6.7 7.3C27 21.4 16 28 16 28z"
      />
    </svg>
  )
}

function EyeIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
      <path
        fill="currentColor"
        d="M12 5C6.5 5 2.7 9.2 1.5 12c1.2 2.8 5 7 10.5 7s9.3-4.2 10.5-7C21.3 9.2 17.5 5 12 5zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9zm0-2.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z"
      />
    </svg>
  )
}
