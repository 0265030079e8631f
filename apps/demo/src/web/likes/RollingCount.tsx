import { useLayoutEffect, useRef } from 'react'
import { formatCount } from '../format'
import type { LikeTotal } from './like-total'
import { rollToward } from './rolling'

/**
 * The like counter: rolls toward the total on animation frames (eased, never ahead of it, exact once
 * likes stop), writing its text directly, so thousands of likes a second never re-render the page.
 */
export function RollingCount({ total, fallback }: { total: LikeTotal; fallback: number }) {
  const element = useRef<HTMLSpanElement>(null)
  // what is on screen, kept across re-subscriptions (a new fallback must not jump the roll)
  const shownRef = useRef<number | null>(null)

  // a layout effect: the first text is there before the first paint
  useLayoutEffect(() => {
    const span = element.current
    if (!span) return
    const reduceMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)')
    // read once and on change, not per like: thousands of likes a second reach onChange
    let still = reduceMotion?.matches ?? false
    const onMotion = () => {
      still = reduceMotion?.matches ?? false
    }
    reduceMotion?.addEventListener?.('change', onMotion)
    let shown = shownRef.current ?? total.get() ?? fallback
    let frame: number | null = null
    let last = 0
    let known = total.get() !== null
    const write = (value: number) => {
      shownRef.current = value
      const text = formatCount(Math.floor(value))
      if (span.textContent !== text) span.textContent = text
    }
    const tick = (time: number) => {
      const target = total.get() ?? fallback
      shown = rollToward(shown, target, last === 0 ? 1000 / 60 : time - last)
      last = time
      write(shown)
      frame = shown === target ? null : requestAnimationFrame(tick)
    }
    const onChange = () => {
      const target = total.get()
      if (target === null) return
      // no roll for a reduced-motion reader, nor down (never ahead of the truth), nor to the first read
      if (still || target < shown || !known) {
        known = true
        shown = target
        write(shown)
        return
      }
      if (frame === null) {
        last = 0
        frame = requestAnimationFrame(tick)
      }
    }
    write(shown)
    const unsubscribe = total.subscribe(onChange)
    onChange()
    return () => {
      unsubscribe()
      reduceMotion?.removeEventListener?.('change', onMotion)
      if (frame !== null) cancelAnimationFrame(frame)
    }
  }, [total, fallback])

  // no children: the text is this component's own, React never writes over a roll in progress
  return <span data-testid="like-count" aria-live="off" ref={element} />
}
