import type { Position } from '../history/positions'
import type { HistoryRead } from '../history/store'

type From = { after: Position } | { last: number }
type Read = (topic: string, from: From) => Promise<HistoryRead>

interface Waiter {
  from: From
  resolve: (read: HistoryRead) => void
  reject: (error: unknown) => void
}

/**
 * History reads of one frontend, coalesced per topic and tick: after a cut, thousands of subscribers of
 * one topic resume at once from nearby positions, and one read from the lowest position (or of the most
 * events asked) answers them all, instead of thousands of reads of the same range from the store.
 */
export class CoalescedReads {
  private readonly pending = new Map<string, Waiter[]>()

  constructor(private readonly read: Read) {}

  get(topic: string, from: From): Promise<HistoryRead> {
    return new Promise((resolve, reject) => {
      let waiters = this.pending.get(topic)
      if (!waiters) {
        waiters = []
        this.pending.set(topic, waiters)
        setImmediate(() => void this.flush(topic))
      }
      waiters.push({ from, resolve, reject })
    })
  }

  private async flush(topic: string): Promise<void> {
    const waiters = this.pending.get(topic) ?? []
    this.pending.delete(topic)
    const lasts = waiters.filter((w) => 'last' in w.from)
    const afters = waiters.filter((w) => 'after' in w.from)
    if (lasts.length > 0) void this.answerLast(topic, lasts)
    // the positions of one epoch share one read from the lowest of them
    const byEpoch = new Map<string, Waiter[]>()
    for (const w of afters) {
      const epoch = (w.from as { after: Position }).after.epoch
      const group = byEpoch.get(epoch)
      if (group) group.push(w)
      else byEpoch.set(epoch, [w])
    }
    for (const group of byEpoch.values()) void this.answerAfter(topic, group)
  }

  private async answerLast(topic: string, waiters: Waiter[]): Promise<void> {
    const most = Math.max(...waiters.map((w) => (w.from as { last: number }).last))
    try {
      const read = await this.read(topic, { last: most })
      for (const w of waiters) {
        const n = (w.from as { last: number }).last
        w.resolve({ ...read, events: n === 0 ? [] : read.events.slice(-n) })
      }
    } catch (error) {
      for (const w of waiters) w.reject(error)
    }
  }

  private async answerAfter(topic: string, waiters: Waiter[]): Promise<void> {
    const positions = waiters.map((w) => (w.from as { after: Position }).after)
    const lowest = positions.reduce((a, b) => (b.offset < a.offset ? b : a))
    try {
      const read = await this.read(topic, { after: lowest })
      for (const [i, w] of waiters.entries()) w.resolve(narrow(read, positions[i]!))
    } catch (error) {
      for (const w of waiters) w.reject(error)
    }
  }
}

/** What a read after a lower position answers for a subscriber after `after`. */
function narrow(read: HistoryRead, after: Position): HistoryRead {
  if (read.epoch !== after.epoch) return { ...read, events: [], complete: false }
  const events = read.events.filter((e) => e.offset > after.offset)
  const complete =
    after.offset <= read.latest &&
    (events.length > 0 ? events[0]!.offset === after.offset + 1 : after.offset === read.latest)
  return { ...read, events, complete }
}

/** Waits before each retry of a failed history read: about 1.5 s in all, then the read fails. */
export const READ_RETRY_DELAYS_MS = [100, 400, 1000] as const

/**
 * A history read retried a few times before it fails (and a subscriber is told `unavailable`): under a
 * reconnect storm a frontend's event loop can stall past Redis's command timeout while the answer sits
 * unread, and one such timeout should not cost thousands of subscribers their exactly-once.
 */
export function retried(read: Read, delays: readonly number[] = READ_RETRY_DELAYS_MS): Read {
  return async (topic, from) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read(topic, from)
      } catch (error) {
        const delay = delays[attempt]
        if (delay === undefined) throw error
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }
}
