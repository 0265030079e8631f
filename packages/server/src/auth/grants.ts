import { baseTopic } from '../protocol/topic'

/**
 * True when `pattern` matches all of `text`, `*` standing for any run of characters (none included).
 * Greedy with one backtrack point: linear in practice, never exponential, however many `*` a pattern has.
 */
export function matchesPattern(pattern: string, text: string): boolean {
  let p = 0
  let t = 0
  let star = -1 // the last `*` seen in the pattern
  let resume = 0 // where in the text that `*` is retried from
  while (t < text.length) {
    const c = pattern.charCodeAt(p)
    if (c === 42 /* * */) {
      star = p++
      resume = t
    } else if (p < pattern.length && c === text.charCodeAt(t)) {
      p++
      t++
    } else if (star >= 0) {
      p = star + 1 // the last `*` takes one more character
      t = ++resume
    } else return false
  }
  while (pattern.charCodeAt(p) === 42) p++
  return p === pattern.length
}

/**
 * True when a token's `topics` claim grants `topic`. A meta topic is granted as its base: `t/$viewers`
 * and `t/$members` as `t`, `member:<id>/$presence` as `member:<id>`.
 */
export function grants(patterns: readonly string[], topic: string): boolean {
  const base = baseTopic(topic)
  return patterns.some((pattern) => matchesPattern(pattern, base))
}
