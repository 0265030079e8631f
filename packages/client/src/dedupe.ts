/** Remembers the last `size` event ids, so a re-delivered event is recognised with bounded memory. */
export class RecentIds {
  // a Set iterates in insertion order, so its first value is the oldest id
  private readonly ids = new Set<string>()

  constructor(private readonly size: number) {}

  /** True when `id` was seen before; otherwise remembers it and returns false. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true
    if (this.size <= 0) return false
    this.ids.add(id)
    if (this.ids.size > this.size) {
      const oldest = this.ids.values().next().value as string
      this.ids.delete(oldest)
    }
    return false
  }
}
