/**
 * Entries each due at a time, kept in insertion order, which is due order when the times only grow (one
 * process's clock plus a constant: leaves, replays, expiries). `take` walks from the oldest and stops at
 * the first entry not yet due: O(due) per call, however many wait. Setting a key again moves it last.
 * An entry given an earlier time than one set before it is taken with that one, late but never early.
 */
export class DueQueue<V> {
  private readonly entries = new Map<string, { at: number; value: V }>()
  /** Entries `take` has looked at so far (what makes it O(due): see the test). */
  visited = 0

  get size(): number {
    return this.entries.size
  }

  set(key: string, at: number, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, { at, value })
  }

  get(key: string): { at: number; value: V } | undefined {
    return this.entries.get(key)
  }

  delete(key: string): boolean {
    return this.entries.delete(key)
  }

  /** Removes and answers up to `limit` entries due at or before `cutoff`, oldest first. */
  take(cutoff: number, limit: number): Array<{ key: string; at: number; value: V }> {
    const due: Array<{ key: string; at: number; value: V }> = []
    for (const [key, entry] of this.entries) {
      this.visited++
      if (due.length >= limit || entry.at > cutoff) break
      due.push({ key, ...entry })
    }
    for (const { key } of due) this.entries.delete(key)
    return due
  }
}
