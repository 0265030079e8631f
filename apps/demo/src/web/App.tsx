import { useCallback, useEffect, useState } from 'react'
import type { VideoSummary } from '../shared/api'
import { getJson } from './api'
import { ConnectionStatus } from './ConnectionStatus'
import { VideoList } from './VideoList'
import { VideoStage } from './VideoStage'

const LIST_REFRESH_MS = 15_000

function videoFromUrl(): string | null {
  return new URLSearchParams(window.location.search).get('v')
}

/** The page: header, the selected video with its likes and comments, and the list of live videos. */
export function App() {
  const [videos, setVideos] = useState<VideoSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [selectedId, setSelectedId] = useState<string | null>(videoFromUrl)

  useEffect(() => {
    let cancelled = false
    const load = () =>
      getJson<{ videos: VideoSummary[] }>('/api/videos').then(
        (body) => {
          if (cancelled) return
          setVideos(body.videos)
          setError(null)
        },
        (failure: unknown) => {
          if (!cancelled) setError(failure instanceof Error ? failure.message : String(failure))
        },
      )
    void load()
    const timer = setInterval(load, LIST_REFRESH_MS)
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [])

  useEffect(() => {
    const onPop = () => setSelectedId(videoFromUrl())
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])

  const select = useCallback((id: string) => {
    setSelectedId(id)
    window.history.pushState(null, '', `?v=${encodeURIComponent(id)}`)
  }, [])

  const current = videos?.find((video) => video.id === selectedId) ?? videos?.[0] ?? null

  useEffect(() => {
    if (current) document.title = `${current.title} · Likewire Live`
  }, [current])

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true">
            ♥
          </span>
          Likewire <span className="brand-live">Live</span>
        </a>
        <ConnectionStatus />
      </header>
      <main className="layout">
        {current ? (
          <VideoStage key={current.id} summary={current} />
        ) : (
          <section className="stage placeholder" aria-busy={error === null}>
            <p className="muted">{error ?? 'Loading live videos…'}</p>
          </section>
        )}
        {videos ? <VideoList videos={videos} selectedId={current?.id ?? ''} onSelect={select} /> : null}
      </main>
      <footer className="footer muted">
        Likes, comments and viewer counts stream over Server-Sent Events with Likewire.
      </footer>
    </div>
  )
}
