import type { CrowdState } from '../shared/api.js'
import type { VideoStore } from './store.js'

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
  /** Where the running crowd is recorded (shared by the demo processes when in Redis). */
  store: Pick<VideoStore, 'claimCrowd' | 'crowdEndsAt' | 'releaseCrowd'>
  /** Adds and publishes `count` likes. */
  like(videoId: string, count: number): Promise<void>
  /** Called when a crowd starts or stops (also when it stops by itself). */
  onChange(videoId: string, state: CrowdState): void
}

/**
 * Simulated viewers liking a video, so one person can see a burst. At most one crowd per video and a
 * bounded rate, so the switch cannot overload the demo. The running crowd is recorded in the store, so
 * with several demo processes (Redis) any of them reports it and any of them stops it; the process that
 * started it runs it, and stops its timer once the record is gone.
 */
export function createCrowd(options: CrowdOptions) {
  const { store } = options
  const likesPerSecond = Math.min(options.likesPerSecond ?? 150, 2_000)
  const durationMs = options.durationMs ?? 60_000
  const tickMs = options.tickMs ?? 100
  /** The crowds this process runs. */
  const running = new Map<string, { timer: ReturnType<typeof setInterval>; endsAt: number }>()
  const off: CrowdState = { enabled: false, endsAt: null }

  const state = async (videoId: string): Promise<CrowdState> => {
    const endsAt = await store.crowdEndsAt(videoId)
    return endsAt === null ? off : { enabled: true, endsAt }
  }

  /** Stops this process's timer for the crowd ending at `endsAt`; true when it ran here. */
  const halt = (videoId: string, endsAt?: number) => {
    const crowd = running.get(videoId)
    if (!crowd || (endsAt !== undefined && crowd.endsAt !== endsAt)) return false
    clearInterval(crowd.timer)
    running.delete(videoId)
    return true
  }

  const stop = async (videoId: string): Promise<CrowdState> => {
    const ranHere = halt(videoId)
    const released = await store.releaseCrowd(videoId)
    if (ranHere || released) options.onChange(videoId, off)
    return off
  }

  const start = async (videoId: string): Promise<CrowdState> => {
    const endsAt = Date.now() + durationMs
    if (!(await store.claimCrowd(videoId, endsAt))) return state(videoId)
    const perTick = (likesPerSecond * tickMs) / 1000
    let busy = false
    const timer = setInterval(() => {
      if (Date.now() >= endsAt) {
        // the record expires by itself at endsAt
        if (halt(videoId, endsAt)) options.onChange(videoId, off)
        return
      }
      // A crowd is bursty: between half and one and a half times the average per tick.
      const count = Math.max(1, Math.round(perTick * (0.5 + Math.random())))
      if (busy) return // a slow store or publish skips a tick rather than piling up
      busy = true
      store
        .crowdEndsAt(videoId)
        .then((current) => {
          // stopped (or restarted) by another process, which told the viewers
          if (current !== endsAt) return void halt(videoId, endsAt)
          return options.like(videoId, count)
        })
        .catch(() => {})
        .finally(() => {
          busy = false
        })
    }, tickMs)
    timer.unref?.()
    running.set(videoId, { timer, endsAt })
    const started: CrowdState = { enabled: true, endsAt }
    options.onChange(videoId, started)
    return started
  }

  return {
    state,
    set: (videoId: string, enabled: boolean) => (enabled ? start(videoId) : stop(videoId)),
    /** Stops this process's crowds (their records are released, so no other process reports them). */
    close() {
      for (const [videoId, crowd] of running) {
        clearInterval(crowd.timer)
        void store.releaseCrowd(videoId, crowd.endsAt).catch(() => {})
        options.onChange(videoId, off)
      }
      running.clear()
    },
  }
}

export type Crowd = ReturnType<typeof createCrowd>
