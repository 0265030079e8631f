export interface HeartPacerOptions {
  /**
   * Most hearts started per second, however many likes arrive: what the page can draw smoothly.
   * @default 12
   */
  maxPerSecond?: number
  /**
   * Fewest hearts started per second while some wait, so a lone like never lingers in the queue.
   * @default 4
   */
  minPerSecond?: number
  /**
   * Likes that arrive together (a crowd's batch per tick) are spread over about this long.
   * @default 1000
   */
  spreadMs?: number
}

export interface HeartPacer {
  /** Queues `count` arrived likes; beyond what `spreadMs` at the top rate holds, they are counted, not drawn. */
  add(count: number): void
  /** How many hearts to start in a frame that lasted `frameMs`. */
  take(frameMs: number): number
  /** Drops what waits (counted, not drawn): a tab shown again starts with the likes of now, not a backlog. */
  clear(): void
  /** Likes never drawn since the start (too many at once, or waiting while the tab was hidden). */
  readonly dropped: number
  /** Likes waiting for their heart. */
  readonly pending: number
}

/**
 * Turns likes that arrive in batches into a steady stream of hearts: arrivals wait in a bounded queue
 * and leave it at a steady rate set by what arrived (pending / spread, between a floor and a cap) until
 * the queue is empty.
 */
export function createHeartPacer(options: HeartPacerOptions = {}): HeartPacer {
  const maxPerSecond = options.maxPerSecond ?? 12
  const minPerSecond = options.minPerSecond ?? 4
  const spreadSec = (options.spreadMs ?? 1000) / 1000
  const capacity = Math.max(1, Math.round(maxPerSecond * spreadSec))
  let pending = 0
  let dropped = 0
  // hearts/s while the queue drains: set by arrivals, so a batch leaves at one steady pace
  let rate = 0
  // hearts due: starts at 1 so the first like after a quiet spell shows at once
  let credit = 1

  return {
    add(count) {
      if (!(count > 0)) return
      pending += Math.floor(count)
      if (pending > capacity) {
        dropped += pending - capacity
        pending = capacity
      }
      rate = Math.min(maxPerSecond, Math.max(rate, minPerSecond, pending / spreadSec))
    },
    take(frameMs) {
      if (pending === 0) {
        credit = 1
        rate = 0
        return 0
      }
      // at most one heart per frame: a long frame never releases a clump, a slow page draws fewer
      credit = Math.min(credit + (rate * frameMs) / 1000, 1)
      const started = Math.min(pending, Math.floor(credit))
      credit -= started
      pending -= started
      return started
    },
    clear() {
      dropped += pending
      pending = 0
    },
    get dropped() {
      return dropped
    },
    get pending() {
      return pending
    },
  }
}
