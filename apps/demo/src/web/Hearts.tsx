import {
  type CSSProperties,
  type Ref,
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
} from 'react'

/** At most this many hearts float at once: a burst of hundreds of likes stays smooth (all are still counted). */
export const MAX_HEARTS = 36
/** One like event adds at most this many hearts, so one crowd batch does not take every slot. */
const MAX_PER_BURST = 6

interface Heart {
  id: number
  left: number
  drift: number
  scale: number
  hue: number
  durationMs: number
}

export interface HeartsHandle {
  /** Shows up to `count` new hearts (fewer when many are already on screen). */
  burst(count: number): void
}

let nextId = 0

function makeHeart(): Heart {
  return {
    id: nextId++,
    left: 8 + Math.random() * 60,
    drift: (Math.random() - 0.5) * 90,
    scale: 0.7 + Math.random() * 0.7,
    hue: [350, 340, 330, 5, 15, 320][Math.floor(Math.random() * 6)] ?? 350,
    durationMs: 1800 + Math.random() * 1200,
  }
}

/** Floating hearts over the player. Spawns are queued and flushed once per frame. */
export function Hearts({ ref }: { ref: Ref<HeartsHandle> }) {
  const [hearts, setHearts] = useState<Heart[]>([])
  const pending = useRef(0)
  const frame = useRef<number | null>(null)
  const alive = useRef(0)

  useImperativeHandle(ref, () => ({
    burst(count) {
      pending.current += Math.min(count, MAX_PER_BURST)
      if (frame.current !== null) return
      frame.current = requestAnimationFrame(() => {
        frame.current = null
        const room = Math.max(0, MAX_HEARTS - alive.current)
        const added = Array.from({ length: Math.min(pending.current, room) }, makeHeart)
        pending.current = 0
        if (added.length === 0) return
        alive.current += added.length
        setHearts((current) => [...current, ...added])
      })
    },
  }))

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current)
    },
    [],
  )

  const remove = useCallback((id: number) => {
    alive.current -= 1
    setHearts((current) => current.filter((heart) => heart.id !== id))
  }, [])

  return (
    <div className="hearts" aria-hidden="true">
      {hearts.map((heart) => (
        <HeartView key={heart.id} heart={heart} onDone={remove} />
      ))}
    </div>
  )
}

function HeartView({ heart, onDone }: { heart: Heart; onDone: (id: number) => void }) {
  // a timer as well as animationend: with reduced motion or a hidden tab the event may never fire
  useEffect(() => {
    const timer = setTimeout(() => onDone(heart.id), heart.durationMs + 200)
    return () => clearTimeout(timer)
  }, [heart, onDone])
  return (
    <span
      className="heart"
      data-testid="floating-heart"
      style={
        {
          left: `${heart.left}%`,
          '--drift': `${heart.drift}px`,
          '--scale': heart.scale,
          '--hue': heart.hue,
          animationDuration: `${heart.durationMs}ms`,
        } as CSSProperties
      }
    >
      <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
        <path d="M16 28s-11-6.6-11-14.2C5 9.4 8.2 6.5 11.7 6.5c2 0 3.4 1 4.3 2.3.9-1.3 2.3-2.3 4.3-2.3 3.5 0 6.7 2.9 6.7 7.3C27 21.4 16 28 16 28z" />
      </svg>
    </span>
  )
}
