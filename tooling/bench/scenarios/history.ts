import type { HistoryRules } from '../server/protocol'

/** `--history` given without rules: a history on every topic of the bench (`live:*`), 100 events, 300 s. */
export const DEFAULT_HISTORY = 'live:*=100/300'

/**
 * The CLI form of the server's `--history` (`pattern=size[/ttlSeconds],...`, e.g. `live:*=100/300`) as the
 * `history` option of `createLikewire` and the cluster roles. The servers check the rules themselves: a bad
 * one stops the run at startup with the server's own message.
 */
export function parseHistory(text: string): HistoryRules {
  return text.split(',').map((entry) => {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(entry)
    if (!match) throw new Error(`--history: expected pattern=size[/ttlSeconds], got ${JSON.stringify(entry)}`)
    const [, pattern, size, ttlSeconds] = match
    return {
      match: pattern!,
      size: Number(size),
      ...(ttlSeconds !== undefined ? { ttlMs: Number(ttlSeconds) * 1000 } : {}),
    }
  })
}

/** Whether a topic falls under one of the rules (`*` matches any run of characters, as on the server). */
export function hasHistory(rules: HistoryRules | undefined, topic: string): boolean {
  return (rules ?? []).some((rule) =>
    new RegExp(`^${rule.match.split('*').map(escapeDots).join('.*')}$`).test(topic),
  )
}

const escapeDots = (part: string) => part.replace(/[.]/g, '\\.')

/** What a run on history topics adds to its result: how each client's sequence of offsets came out. */
export interface HistoryFigures {
  /** The rules, as given on the command line. */
  rules: string
  /** Clients subscribed to a history topic, and of them those that got every offset up to the topic's last. */
  clients: number
  complete: number
  /** Offsets a client got twice or more (summed over clients). */
  duplicates: number
  /** Offsets a client never got: skipped in its sequence, or past its last one at the end (summed over clients). */
  missing: number
  /** `likewire.gap` frames received, and epoch changes seen. */
  gaps: number
  epochChanges: number
}
