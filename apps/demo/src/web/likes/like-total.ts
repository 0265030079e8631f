/**
 * A video's like total as the page knows it, outside React state: a crowd sends thousands of like
 * events a second, and the counter reads this store on its own frames instead of re-rendering the page.
 */
export interface LikeTotal {
  /** The total, or null before the first read. */
  get(): number | null
  /** Replaces the total (a fresh read of the backend). */
  set(total: number): void
  /** Raises the total to `total` if it is higher (events may arrive out of order with reads). */
  raise(total: number): void
  /** Calls `listener` on every change; returns its unsubscribe function. */
  subscribe(listener: () => void): () => void
}

export function createLikeTotal(initial: number | null = null): LikeTotal {
  let total = initial
  const listeners = new Set<() => void>()
  const change = (next: number) => {
    if (next === total) return
    total = next
    for (const listener of listeners) listener()
  }
  return {
    get: () => total,
    set: change,
    raise(next) {
      if (total === null || next > total) change(next)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
