/**
 * Sums of Prometheus counters read from the `/metrics` of Likewire processes: the servers' own count of what
 * the load generator saw (recoveries, replayed events, gaps). A process that does not answer counts nothing.
 */
export async function scrapeCounters(ports: number[], names: string[]): Promise<Record<string, number>> {
  const sums: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]))
  await Promise.all(
    ports.map(async (port) => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })
        .then((response) => response.text())
        .catch(() => '')
      for (const [name, value] of parseCounters(text)) if (name in sums) sums[name]! += value
    }),
  )
  return sums
}

/** `name{labels} value` lines of the Prometheus text format: `name{labels}` (or `name`) -> value. */
export function parseCounters(text: string): Array<[string, number]> {
  const out: Array<[string, number]> = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    const value = Number(line.slice(space + 1))
    if (space > 0 && Number.isFinite(value)) out.push([line.slice(0, space), value])
  }
  return out
}
