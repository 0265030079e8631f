import type { Received } from '../browser/tab'

/** What one history event tells about a tab's sequence: offsets skipped just before it, or a repeat. */
export interface Mark {
  missing: number
  duplicate: boolean
}

/**
 * A tab's history events in the order its callback got them: an offset at or below the last one is a
 * duplicate, offsets skipped over are missing (as `load/sequence.ts` counts raw clients).
 */
export function markSequence(entries: readonly Received[]): Mark[] {
  let last = 0
  return entries.map((entry, i) => {
    if (i === 0) {
      last = entry.offset
      return { missing: 0, duplicate: false }
    }
    if (entry.offset <= last) return { missing: 0, duplicate: true }
    const missing = entry.offset - last - 1
    last = entry.offset
    return { missing, duplicate: false }
  })
}

/** Missing and duplicates of the events a tab received in (from, to] (epoch ms of receipt). */
export function countWithin(
  entries: readonly Received[],
  marks: readonly Mark[],
  from: number,
  to: number,
): { missing: number; duplicates: number } {
  let missing = 0
  let duplicates = 0
  entries.forEach((entry, i) => {
    if (entry.at <= from || entry.at > to) return
    missing += marks[i]!.missing
    if (marks[i]!.duplicate) duplicates++
  })
  return { missing, duplicates }
}

/** Missing and duplicates over a tab's whole sequence, and past its last event up to the topic's `head`. */
export function countAll(
  entries: readonly Received[],
  head?: number,
): { missing: number; duplicates: number } {
  const { missing, duplicates } = countWithin(entries, markSequence(entries), -Infinity, Infinity)
  const last = entries.reduce((max, entry) => Math.max(max, entry.offset), 0)
  return {
    missing: missing + (head !== undefined && entries.length > 0 ? Math.max(0, head - last) : 0),
    duplicates,
  }
}

/** Median and max of figures; a figure never reached (null) counts as endless: a median or max "never". */
export interface Spread {
  median: number | null
  max: number | null
}

export function spread(values: ReadonlyArray<number | null>): Spread {
  if (values.length === 0) return { median: null, max: null }
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b)
  const at = (value: number) => (Number.isFinite(value) ? Math.round(value) : null)
  return { median: at(sorted[Math.floor((sorted.length - 1) / 2)]!), max: at(sorted.at(-1)!) }
}
