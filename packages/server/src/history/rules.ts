import { metaTopic } from '../protocol/topic'

/** Which topics keep a history, and how much of it. */
export interface HistoryRule {
  /** Topic pattern: `*` matches any run of characters (`chat:*`, `live:*:comments`). */
  match: string
  /** Most events kept per topic. */
  size: number
  /**
   * How long an event is kept, in ms.
   * @default 300000 (5 minutes)
   */
  ttlMs?: number | undefined
}

/** A rule checked and compiled: its pattern as a RegExp, its TTL resolved. */
export interface ResolvedRule {
  match: string
  size: number
  ttlMs: number
  pattern: RegExp
}

export const DEFAULT_HISTORY_TTL_MS = 300_000
/** Past this many events per topic a ring costs more memory than a recovery is worth. */
export const MAX_HISTORY_SIZE = 10_000
const MAX_TTL_MS = 24 * 3600 * 1000

/** Checks rules, refusing one that cannot work with one clear line. */
export function resolveRules(rules: readonly HistoryRule[] = []): ResolvedRule[] {
  return rules.map((rule, i) => {
    const where = `history rule ${i + 1} (${JSON.stringify(rule.match)})`
    if (typeof rule.match !== 'string' || !/^[A-Za-z0-9_\-:.@/=*]{1,200}$/.test(rule.match))
      throw new Error(`${where}: the pattern is 1-200 characters of topic characters and *`)
    if (!Number.isInteger(rule.size) || rule.size < 1 || rule.size > MAX_HISTORY_SIZE)
      throw new Error(`${where}: size must be an integer from 1 to ${MAX_HISTORY_SIZE}, got ${rule.size}`)
    const ttlMs = rule.ttlMs ?? DEFAULT_HISTORY_TTL_MS
    if (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_TTL_MS)
      throw new Error(`${where}: ttl must be from 1 second to 24 hours, got ${ttlMs} ms`)
    const source = rule.match
      .split('*')
      .map((part) => part.replace(/[.]/g, '\\.'))
      .join('.*')
    return { match: rule.match, size: rule.size, ttlMs, pattern: new RegExp(`^${source}$`) }
  })
}

/**
 * Parses the CLI form `pattern=size[/ttlSeconds],...` (`chat:*=100/300,live:*:comments=50`); an empty
 * value means no history.
 */
export function parseHistoryRules(text: string | undefined): HistoryRule[] {
  if (!text?.trim()) return []
  return text.split(',').map((entry) => {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(entry)
    if (!match)
      throw new Error(`--history: expected pattern=size[/ttlSeconds], got ${JSON.stringify(entry.trim())}`)
    const [, pattern, size, ttlSeconds] = match
    return {
      match: pattern!,
      size: Number(size),
      ...(ttlSeconds !== undefined ? { ttlMs: Number(ttlSeconds) * 1000 } : {}),
    }
  })
}

/** The rules of a node: which rule a topic falls under (the first that matches), remembered per topic. */
export class HistoryRules {
  private readonly rules: ResolvedRule[]
  private readonly cache = new Map<string, ResolvedRule | null>()

  constructor(rules: readonly HistoryRule[] = []) {
    this.rules = resolveRules(rules)
  }

  get enabled(): boolean {
    return this.rules.length > 0
  }

  /** The topic's rule, or undefined: fire-and-forget. Server-only meta topics never have history. */
  ruleFor(topic: string): ResolvedRule | undefined {
    if (this.rules.length === 0) return undefined
    let rule = this.cache.get(topic)
    if (rule === undefined) {
      rule = metaTopic(topic) !== null ? null : (this.rules.find((r) => r.pattern.test(topic)) ?? null)
      // topics are unbounded: forget them all now and then rather than grow forever
      if (this.cache.size >= 50_000) this.cache.clear()
      this.cache.set(topic, rule)
    }
    return rule ?? undefined
  }
}
