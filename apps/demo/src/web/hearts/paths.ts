/** A heart's size in CSS pixels before its scale (the SVG's box). */
export const HEART_PX = 32

export interface HeartFlight {
  keyframes: Keyframe[]
  durationMs: number
  /** Its colour's hue. */
  hue: number
  /** Where it starts, 0 (left edge of the column) to 1 (right edge). */
  start: number
}

const HUES = [350, 340, 330, 5, 15, 320]
const STEPS = 10

/**
 * One heart's flight up a column `width` x `height` px: from a random point along the bottom, rising
 * most of the height with a drift and a sway of its own, popping in and fading out. `random` is
 * injectable so a test can pin it.
 */
export function planFlight(
  width: number,
  height: number,
  reducedMotion: boolean,
  random = Math.random,
): HeartFlight {
  const room = Math.max(0, width - HEART_PX)
  const start = random()
  const x0 = start * room
  const scale = 0.7 + random() * 0.6
  const hue = HUES[Math.floor(random() * HUES.length)] ?? 350
  if (reducedMotion) {
    // no travel: a heart fades in place, barely rising
    return {
      start,
      hue,
      durationMs: 1500,
      keyframes: [
        { transform: `translate(${x0}px, ${-0.1 * height}px) scale(${scale})`, opacity: 0 },
        { transform: `translate(${x0}px, ${-0.12 * height}px) scale(${scale})`, opacity: 1, offset: 0.2 },
        { transform: `translate(${x0}px, ${-0.16 * height}px) scale(${scale})`, opacity: 0 },
      ],
    }
  }
  const rise = height * (0.7 + random() * 0.3)
  const drift = (random() - 0.5) * room * 0.5
  const sway = 6 + random() * 16
  const turns = 0.8 + random() * 1.4
  const phase = random() * Math.PI * 2
  const keyframes: Keyframe[] = []
  for (let i = 0; i <= STEPS; i++) {
    const t = i / STEPS
    const x = Math.min(
      room,
      Math.max(0, x0 + drift * t + sway * t * Math.sin(phase + t * turns * 2 * Math.PI)),
    )
    // mostly steady, slowing a little near the top
    const y = -rise * (0.7 * t + 0.3 * (1 - (1 - t) ** 2))
    const s = t < 0.1 ? scale * (0.4 + 6 * t) : scale
    const opacity = t === 0 ? 0 : t < 0.7 ? 1 : Math.max(0, (1 - t) / 0.3)
    keyframes.push({
      transform: `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px) scale(${s.toFixed(3)})`,
      opacity,
    })
  }
  return { start, hue, durationMs: 2400 + random() * 1200, keyframes }
}
