/**
 * The "live video": a camera-like scene drawn on a canvas, so the demo needs no media files or network
 * video. `drawScene` draws the frame at `t` seconds: a stage whose lights sweep, drifting bokeh, a speaker
 * who breathes and nods, and an audio meter.
 */

export function hashSeed(id: string): number {
  let hash = 7
  for (const ch of id) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) % 10_007
  return hash
}

/** One frame at `t` seconds, on a canvas `w` x `h` pixels. */
export function drawScene(
  g: CanvasRenderingContext2D,
  w: number,
  h: number,
  t: number,
  color: string,
  seed: number,
) {
  const background = g.createLinearGradient(0, 0, w, h)
  background.addColorStop(0, shade(color, -0.55))
  background.addColorStop(1, '#07080b')
  g.fillStyle = background
  g.fillRect(0, 0, w, h)

  const lightX = w * (0.5 + 0.18 * Math.sin(t * 0.23 + seed))
  const light = g.createRadialGradient(lightX, h * 0.25, 0, lightX, h * 0.25, w * 0.6)
  light.addColorStop(0, withAlpha(color, 0.45))
  light.addColorStop(1, withAlpha(color, 0))
  g.fillStyle = light
  g.fillRect(0, 0, w, h)

  // two stage lights sweeping across the set
  g.save()
  g.globalCompositeOperation = 'lighter'
  for (let i = 0; i < 2; i++) {
    const top = w * (i === 0 ? 0.22 : 0.78)
    const x = top + Math.sin(t * (0.35 + i * 0.12) + seed + i * 2) * w * 0.35
    const spread = w * 0.11
    const beam = g.createLinearGradient(top, 0, x, h)
    beam.addColorStop(0, withAlpha('#ffffff', 0.18))
    beam.addColorStop(1, withAlpha(color, 0))
    g.fillStyle = beam
    g.beginPath()
    g.moveTo(top - w * 0.01, 0)
    g.lineTo(top + w * 0.01, 0)
    g.lineTo(x + spread, h)
    g.lineTo(x - spread, h)
    g.closePath()
    g.fill()
  }
  g.restore()

  for (let i = 0; i < 14; i++) {
    const phase = seed + i * 1.7
    const x = w * (0.5 + 0.48 * Math.sin(t * 0.07 * (1 + (i % 3)) + phase))
    const y = h * (0.45 + 0.4 * Math.cos(t * 0.05 * (1 + (i % 4)) + phase * 1.3))
    const r = (0.03 + 0.05 * ((i * 37) % 10) * 0.1) * w
    g.fillStyle = withAlpha(i % 2 ? '#ffffff' : color, 0.05 + 0.05 * Math.sin(t + i))
    g.beginPath()
    g.arc(x, y, r, 0, Math.PI * 2)
    g.fill()
  }

  // the speaker: shoulders and head, rim-lit by the accent colour
  const cx = w * 0.5 + Math.sin(t * 0.6 + seed) * w * 0.01
  const breathe = Math.sin(t * 1.4) * h * 0.006
  const headY = h * 0.42 + breathe + Math.sin(t * 0.9) * h * 0.008
  const headR = h * 0.13
  g.save()
  g.shadowColor = withAlpha(color, 0.8)
  g.shadowBlur = h * 0.05
  g.fillStyle = '#111318'
  g.beginPath()
  g.ellipse(cx, h * 0.98 + breathe, w * 0.24, h * 0.34, 0, Math.PI, 0)
  g.fill()
  g.beginPath()
  g.arc(cx + Math.sin(t * 0.5) * h * 0.01, headY, headR, 0, Math.PI * 2)
  g.fill()
  g.restore()

  // audio meter, bottom right
  const bars = 5
  const barW = w * 0.008
  for (let i = 0; i < bars; i++) {
    const level = 0.3 + 0.7 * Math.abs(Math.sin(t * (3 + i * 0.7) + i * 1.3 + Math.sin(t * 1.1)))
    const barH = h * 0.06 * level
    g.fillStyle = withAlpha('#ffffff', 0.75)
    g.fillRect(w * 0.94 - i * barW * 1.8, h * 0.93 - barH, barW, barH)
  }

  const vignette = g.createRadialGradient(w / 2, h / 2, h * 0.35, w / 2, h / 2, w * 0.75)
  vignette.addColorStop(0, 'rgba(0,0,0,0)')
  vignette.addColorStop(1, 'rgba(0,0,0,0.55)')
  g.fillStyle = vignette
  g.fillRect(0, 0, w, h)
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = rgb(hex)
  return `rgba(${r},${g},${b},${Math.max(0, Math.min(1, alpha))})`
}

/** Darkens (amount < 0) or lightens a colour. */
function shade(hex: string, amount: number): string {
  const target = amount < 0 ? 0 : 255
  const [r, g, b] = rgb(hex).map((c) => Math.round(c + (target - c) * Math.abs(amount))) as [
    number,
    number,
    number,
  ]
  return `rgb(${r},${g},${b})`
}
