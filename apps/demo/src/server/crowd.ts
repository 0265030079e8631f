import type { CrowdState } from '../shared/api.js'

export interface CrowdOptions {
  /**
   * Average likes per second the simulated crowd adds to one video.
   * @default 150
   */
  likesPerSecond?: number
  /**
   * How long a crowd runs before it stops by itself, so a forgotten switch does not run forever.
   * @default 60_000
   */
  durationMs?: number
  /**
   * Likes are published in one batch per tick, as a likes backend would aggregate them.
   * @default 100
   */
  tickMs?: number
  /** Adds and publishes `count` likes. */
  like(videoId: string, count: number): Promise<void>
  /** Called when a crowd starts or stops (also when it stops by itself). */
  onChange(videoId: string, state: CrowdState): void
}

/**
 * Simulated viewers liking a video, so one person can see a burst. At most one crowd per video and a
 * bounded rate, so the switch cannot overload the demo.
 */
export function createCrowd(options: CrowdOptions) {
  const likesPerSecond = Math.min(options.likesPerSecond ?? 150, 2_000)
  const durationMs = options.durationMs ?? 60_000
  const tickMs = options.tickMs ?? 100
  const running = new Map<string, { timer: ReturnType<typeof setInterval>; endsAt: number }>()

  const state = (videoId: string): CrowdState => {
    const crowd = running.get(videoId)
    return crowd ? { enabled: true, endsAt: crowd.endsAt } : { enabled: false, endsAt: null }
  }

  const stop = (videoId: string) => {
    const crowd = running.get(videoId)
    if (!crowd) return state(videoId)
    clearInterval(crowd.timer)
    running.delete(videoId)
    options.onChange(videoId, state(videoId))
    return state(videoId)
  }

  const start = (videoId: string) => {
    if (running.has(videoId)) return state(videoId)
    const endsAt = Date.now() + durationMs
    const perTick = (likesPerSecond * tickMs) / 1000
    let busy = false
    const timer = setInterval(() => {
      if (Date.now() >= endsAt) return void stop(videoId)
      // A crowd is bursty: between half and one and a half times the average per tick.
      const count = Math.max(1, Math.round(perTick * (0.5 + Math.random())))
      if (busy) return // a slow store or publish skips a tick rather than piling up
      busy = true
      options
        .like(videoId, count)
        .catch(() => {})
        .finally(() => {
          busy = false
        })
    }, tickMs)
    timer.unref?.()
    running.set(videoId, { timer, endsAt })
    options.onChange(videoId, state(videoId))
    return state(videoId)
  }

  return {
    state,
    set: (videoId: string, enabled: boolean) => (enabled ? start(videoId) : stop(videoId)),
    close() {
      for (const crowd of running.values()) clearInterval(crowd.timer)
      running.clear()
    },
  }
}

export type Crowd = ReturnType<typeof createCrowd>
