import { useViewerCount } from '@likewire/react'
import { topics, type VideoSummary } from '../shared/api'
import { formatCompact } from './format'

/** The live videos; picking one switches every subscription of the page to it. */
export function VideoList({
  videos,
  selectedId,
  onSelect,
}: {
  videos: VideoSummary[]
  selectedId: string
  onSelect: (id: string) => void
}) {
  return (
    <nav className="video-nav" aria-label="Live videos">
      <h2 className="panel-title">Live now</h2>
      <ul className="video-list" data-testid="video-list">
        {videos.map((video) => (
          <li key={video.id}>
            <VideoItem video={video} selected={video.id === selectedId} onSelect={onSelect} />
          </li>
        ))}
      </ul>
    </nav>
  )
}

function VideoItem({
  video,
  selected,
  onSelect,
}: {
  video: VideoSummary
  selected: boolean
  onSelect: (id: string) => void
}) {
  // counts only: the meta topic carries viewer numbers, never another video's likes
  const viewers = useViewerCount(topics.likes(video.id))
  return (
    <a
      href={`?v=${encodeURIComponent(video.id)}`}
      className="video-item"
      aria-current={selected ? 'page' : undefined}
      data-video-id={video.id}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
        event.preventDefault()
        onSelect(video.id)
      }}
    >
      <span
        className="thumb"
        aria-hidden="true"
        style={{ background: `linear-gradient(135deg, ${video.color}, #0b0c10)` }}
      >
        <span className="thumb-live">LIVE</span>
      </span>
      <span className="video-item-text">
        <span className="video-item-title">{video.title}</span>
        <span className="muted">{video.host}</span>
        <span className="muted small">
          {viewers === null ? '' : `${formatCompact(viewers)} watching · `}
          {formatCompact(video.likeCount)} likes
        </span>
      </span>
    </a>
  )
}
