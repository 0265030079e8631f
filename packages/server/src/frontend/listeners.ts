/** A set of listeners: `add` returns the removal (TanStack's subscribable habit). */
export class Listeners<Args extends unknown[]> {
  private readonly listeners = new Set<(...args: Args) => void>()

  add(listener: (...args: Args) => void): () => void {
    // a wrapper, so the same function added twice is two subscriptions, each removed by its own call
    const entry = (...args: Args) => listener(...args)
    this.listeners.add(entry)
    return () => {
      this.listeners.delete(entry)
    }
  }

  emit(...args: Args): void {
    for (const listener of this.listeners) listener(...args)
  }

  get size(): number {
    return this.listeners.size
  }
}
