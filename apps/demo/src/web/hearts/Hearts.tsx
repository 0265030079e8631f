import { type Ref, useEffect, useImperativeHandle, useRef } from 'react'
import { createHeartPacer } from './pacer'
import { HEART_PX, planFlight } from './paths'

/** Most hearts in flight at once: the pacer's cap (12/s) times the longest flight (3.6 s), and a few spare. */
export const HEART_POOL_SIZE = 48

export interface HeartsHandle {
  /** `count` likes arrived: their hearts join the stream (beyond what the page can draw, they are only counted). */
  add(count: number): void
}

/**
 * Floating hearts up the player's side. Likes are paced into a steady stream (`createHeartPacer`) and
 * drawn by a fixed pool of elements, each flight a compositor animation (Web Animations: transform and
 * opacity only), so a like costs no element, no React render and no layout.
 */
export function Hearts({ ref }: { ref: Ref<HeartsHandle> }) {
  const column = useRef<HTMLDivElement>(null)
  const start = useRef<(count: number) => void>(() => {})

  useImperativeHandle(ref, () => ({ add: (count) => start.current(count) }), [])

  useEffect(() => {
    const root = column.current
    if (!root) return
    const pacer = createHeartPacer()
    const idle = Array.from(root.children) as HTMLElement[]
    const flying = new Map<Animation, HTMLElement>()
    const motion = window.matchMedia?.('(prefers-reduced-motion: reduce)')
    let size = { width: root.clientWidth, height: root.clientHeight }
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            size = { width: root.clientWidth, height: root.clientHeight }
          })
    observer?.observe(root)

    const launch = () => {
      const element = idle.pop()
      if (!element) return
      const flight = planFlight(size.width, size.height, motion?.matches ?? false)
      element.style.color = `hsl(${flight.hue} 95% 62%)`
      element.hidden = false
      // a heart in the air is a "floating-heart"; a resting one in the pool is not
      element.dataset.testid = 'floating-heart'
      const animation = element.animate(flight.keyframes, { duration: flight.durationMs, fill: 'both' })
      flying.set(animation, element)
      animation.onfinish = () => land(animation, element)
    }
    /** Back to the pool: hidden, not a floating heart. */
    const land = (animation: Animation, element: HTMLElement) => {
      flying.delete(animation)
      animation.cancel()
      element.hidden = true
      delete element.dataset.testid
      idle.push(element)
    }

    // likes that waited while the tab was hidden are the past: the stream starts again from now
    const onVisibility = () => {
      if (document.visibilityState === 'visible') pacer.clear()
    }
    document.addEventListener('visibilitychange', onVisibility)
    let frame: number | null = null
    let last = 0
    const tick = (time: number) => {
      const started = pacer.take(last === 0 ? 1000 / 60 : time - last)
      last = time
      for (let i = 0; i < started; i++) launch()
      frame = pacer.pending > 0 ? requestAnimationFrame(tick) : null
    }
    start.current = (count) => {
      pacer.add(count)
      if (frame === null && pacer.pending > 0) {
        last = 0
        frame = requestAnimationFrame(tick)
      }
    }
    return () => {
      start.current = () => {}
      document.removeEventListener('visibilitychange', onVisibility)
      if (frame !== null) cancelAnimationFrame(frame)
      for (const [animation, element] of flying) land(animation, element)
      observer?.disconnect()
    }
  }, [])

  return (
    <div className="hearts" aria-hidden="true" ref={column}>
      {Array.from({ length: HEART_POOL_SIZE }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a fixed pool, never reordered
        <span key={i} className="heart" hidden>
          <svg viewBox="0 0 32 32" width={HEART_PX} height={HEART_PX} aria-hidden="true">
            <path d="M16 28s-11-6.6-11-14.2C5 9.4 8.2 6.5 11.7 6.5c2 0 3.4 1 4.3 2.3.9-1.3 2.3-2.3 4.3-2.3 3.5 0 6.7 2.9 6.7 7.3C27 21.4 16 28 16 28z" />
          </svg>
        </span>
      ))}
    </div>
  )
}
