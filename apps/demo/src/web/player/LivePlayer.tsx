import { type ReactNode, useEffect, useRef } from 'react'
import type { VideoSummary } from '../../shared/api'
import { formatElapsed } from '../format'
import { useNow } from '../useNow'
import { drawScene, hashSeed } from './scene'

/** Canvas pixels per CSS pixel of the player. */
const SCENE_SCALE = 0.5

/**
 * The "live video": a moving scene drawn on a canvas (`drawScene`), with overlays: LIVE badge, elapsed
 * time, and whatever `children` adds (hearts, viewers). It draws only while the tab is visible, and a
 * reader who asked for reduced motion gets a still frame.
 */
export function LivePlayer({ video, children }: { video: VideoSummary; children?: ReactNode }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const now = useNow(1000)

  useEffect(() => {
    const element = canvas.current
    const context = element?.getContext('2d', { alpha: false })
    if (!element || !context) return
    const seed = hashSeed(video.id)
    const reduceMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)')
    let frame: number | null = null
    const draw = (time: number) =>
      drawScene(context, element.width, element.height, time / 1000, video.color, seed)
    let drawn = 0
    const tick = (time: number) => {
      frame = requestAnimationFrame(tick)
      // 30 frames a second, as a live video has: half the drawing, and the page's other frames stay free
      if (time - drawn < 1000 / 30 - 4) return
      drawn = time
      draw(time)
    }
    // the loop runs only while someone can see it move
    const update = () => {
      const moving = document.visibilityState === 'visible' && !reduceMotion?.matches
      if (moving && frame === null) frame = requestAnimationFrame(tick)
      if (!moving && frame !== null) {
        cancelAnimationFrame(frame)
        frame = null
      }
      if (reduceMotion?.matches) draw(0)
    }
    const resize = () => {
      // the scene is soft-focus video: a canvas pixel per 2x2 CSS pixels looks the same and fills 4x fewer
      element.width = Math.max(1, Math.round(element.clientWidth * SCENE_SCALE))
      element.height = Math.max(1, Math.round(element.clientHeight * SCENE_SCALE))
      draw(performance.now())
      update()
    }
    resize()
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(resize)
    observer?.observe(element)
    document.addEventListener('visibilitychange', update)
    reduceMotion?.addEventListener?.('change', update)
    return () => {
      if (frame !== null) cancelAnimationFrame(frame)
      observer?.disconnect()
      document.removeEventListener('visibilitychange', update)
      reduceMotion?.removeEventListener?.('change', update)
    }
  }, [video.color, video.id])

  return (
    <div className="player">
      <canvas ref={canvas} className="player-canvas" role="img" aria-label={`Live video: ${video.title}`} />
      <div className="player-top">
        <span className="live-badge">LIVE</span>
        <span className="elapsed" title="Time since the stream started">
          {formatElapsed(video.startedAt, now)}
        </span>
      </div>
      {children}
    </div>
  )
}
