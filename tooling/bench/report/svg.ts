/** Hand-written SVG charts: no chart library, readable in any markdown viewer. */

const W = 640
const H = 260
const PAD = { left: 70, right: 20, top: 30, bottom: 40 }
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')

const fmt = (value: number) =>
  value >= 1e6
    ? `${(value / 1e6).toFixed(1)}M`
    : value >= 1e3
      ? `${(value / 1e3).toFixed(0)}K`
      : `${Math.round(value * 10) / 10}`

function frame(title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>
${body}
</svg>
`
}

function axes(maxY: number, xLabel: string, yLabel: string): string {
  const plotH = H - PAD.top - PAD.bottom
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f)
    return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${fmt(maxY * f)}</text>`
  })
  return `${ticks.join('\n')}
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(yLabel)}</text>`
}

/** Deliveries/s over time, one polyline. */
export function lineChart(title: string, points: Array<{ x: number; y: number }>, yLabel: string): string {
  const maxX = Math.max(1, ...points.map((p) => p.x))
  const maxY = Math.max(1, ...points.map((p) => p.y)) * 1.1
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const path = points
    .map(
      (p) =>
        `${(PAD.left + (p.x / maxX) * plotW).toFixed(1)},${(PAD.top + plotH * (1 - p.y / maxY)).toFixed(1)}`,
    )
    .join(' ')
  const xTicks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${PAD.left + plotW * f}" y="${H - PAD.bottom + 14}" text-anchor="middle">${Math.round(maxX * f)}</text>`,
    )
    .join('')
  return frame(
    title,
    `${axes(maxY, 'seconds since the load generator started', yLabel)}\n${xTicks}\n<polyline fill="none" stroke="#2a6fdb" stroke-width="2" points="${path}"/>`,
  )
}

/** Grouped bars: for each group (scenario), one bar per series (p50, p90, p99, max). */
export function barChart(
  title: string,
  groups: Array<{ label: string; values: number[] }>,
  series: string[],
  yLabel: string,
): string {
  const colors = ['#8ec07c', '#2a6fdb', '#f28e2b', '#c0392b', '#7f8c8d']
  const maxY = Math.max(1, ...groups.flatMap((g) => g.values)) * 1.1
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const groupW = plotW / Math.max(1, groups.length)
  const barW = (groupW * 0.8) / series.length
  const bars = groups.flatMap((group, g) => [
    ...group.values.map((value, s) => {
      const h = (value / maxY) * plotH
      const x = PAD.left + g * groupW + groupW * 0.1 + s * barW
      return `<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[s % colors.length]}"><title>${esc(`${group.label} ${series[s]}: ${value}`)}</title></rect>`
    }),
    `<text x="${PAD.left + g * groupW + groupW / 2}" y="${H - PAD.bottom + 14}" text-anchor="middle">${esc(group.label)}</text>`,
  ])
  const legend = series
    .map(
      (name, s) =>
        `<rect x="${W - PAD.right - 60}" y="${PAD.top + s * 14}" width="10" height="10" fill="${colors[s % colors.length]}"/><text x="${W - PAD.right - 46}" y="${PAD.top + s * 14 + 9}">${esc(name)}</text>`,
    )
    .join('')
  return frame(title, `${axes(maxY, '', yLabel)}\n${bars.join('\n')}\n${legend}`)
}
