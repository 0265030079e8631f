const whole = new Intl.NumberFormat('en-US')
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/** `12,345`: the exact count, for the counter that tests and people read. */
export const formatCount = (n: number) => whole.format(n)
/** `12.3K`: for small badges. */
export const formatCompact = (n: number) => compact.format(n)

/** `1:02:03` or `23:04` since `since` (ms since epoch). */
export function formatElapsed(since: number, now: number): string {
  const total = Math.max(0, Math.floor((now - since) / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m)
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`
}

/** `now`, `12s`, `3m`, `2h` ago. */
export function formatAgo(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 10) return 'now'
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  return `${Math.floor(s / 3600)}h`
}

/** A stable colour per name, for avatars. */
export function nameHue(name: string): number {
  let hash = 0
  for (const ch of name) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0
  return hash % 360
}

/**
 * The player's "watching" line, from the names of up to two other members and how many other members
 * there are (names included): `Priya, Marco and 1,240 others watching`. `you` are never named or counted.
 */
export function watchingLine(names: readonly string[], others: number): string {
  if (others <= 0) return 'Just you watching'
  const named = names.slice(0, others)
  const rest = others - named.length
  const parts = rest > 0 ? [...named, `${formatCount(rest)} ${rest === 1 ? 'other' : 'others'}`] : [...named]
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
  return `${list} watching`
}
