import { createHistogram } from '../lib/histogram'

/** One frame at 60 Hz, the display rate the page must keep. */
export const FRAME_MS = 1000 / 60

export interface FrameStats {
  frames: number
  /** Frames per second over the window. */
  fps: number
  p50: number
  p95: number
  p99: number
  max: number
  /** Display refreshes that got no new frame: a 50 ms gap between frames is 2 dropped. */
  dropped: number
  /** `dropped` as a share of the refreshes the window had (frames + dropped). */
  droppedShare: number
}

/** Frame-time figures (ms, 2 decimals) of the gaps between consecutive animation frames. */
export function frameStats(deltas: readonly number[]): FrameStats {
  const histogram = createHistogram()
  let dropped = 0
  let total = 0
  for (const delta of deltas) {
    histogram.recordValue(Math.max(1, Math.round(delta * 1000)))
    // a gap a little over one frame (timer jitter) still counts as on time
    dropped += Math.max(0, Math.round(delta / FRAME_MS) - 1)
    total += delta
  }
  const ms = (percentile: number) => Math.round(histogram.getValueAtPercentile(percentile) / 10) / 100
  const frames = deltas.length
  const stats = {
    frames,
    fps: total > 0 ? Math.round((frames / total) * 1000 * 10) / 10 : 0,
    p50: ms(50),
    p95: ms(95),
    p99: ms(99),
    max: Math.round(histogram.maxValue / 10) / 100,
    dropped,
    droppedShare: frames + dropped > 0 ? Math.round((dropped / (frames + dropped)) * 10_000) / 10_000 : 0,
  }
  histogram.destroy()
  return stats
}
