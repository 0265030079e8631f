import type { Position } from '../history/positions'
import type { HistoryRead } from '../history/store'

type From = { after: Position } | { last: number }
type Read = (topic: string, from: From) => Promise<HistoryRead>

interface Waiter {
  from: From
  resolve: (read: HistoryRead) => void
  reject: (error: unknown) => void
}

/** A topic's reads: who waits for the next one, and whether one is out. */
interface TopicReads {
  waiting: Waiter[]
  /** A read of this topic is in flight (or about to start): later waiters wait for the next one. */
  busy: boolean
}

/**
 * History reads of one frontend, shared per topic: after a cut, thousands of subscribers of one topic
 * resume at once from nearby positions, and one read from the lowest position (or of the most events
 * asked) answers them all, instead of thousands of reads of the same range from the store. At most one
 * read per topic is in flight: whoever asks meanwhile waits for the next one, which answers all of them
 * (a read in flight cannot: it may have been taken before their subscriptions were recorded).
 */
export class CoalescedReads {
  private readonly topics = new Map<string, TopicReads>()

  constructor(
    private readonly read: Read,
    /** Told of each read sent to the store (the metric). */
    private readonly onRead: () => void = () => {},
  ) {}

  get(topic: string, from: From): Promise<HistoryRead> {
    return new Promise((resolve, reject) => {
      let reads = this.topics.get(topic)
      if (!reads) {
        reads = { waiting: [], busy: true }
        this.topics.set(topic, reads)
        // the rest of this tick's resumes join it
        setImmediate(() => void this.next(topic))
      }
      reads.waiting.push({ from, resolve, reject })
    })
  }

  /** Reads once for everyone waiting on `topic`, then again for whoever came meanwhile. */
  private async next(topic: string): Promise<void> {
    const reads = this.topics.get(topic)!
    const waiters = reads.waiting
    reads.waiting = []
    const lasts = waiters.filter((w) => 'last' in w.from)
    const afters = waiters.filter((w) => 'after' in w.from)
    // the positions of one epoch share one read from the lowest of them
    const byEpoch = new Map<string, Waiter[]>()
    for (const w of afters) {
      const epoch = (w.from as { after: Position }).after.epoch
      const group = byEpoch.get(epoch)
      if (group) group.push(w)
      else byEpoch.set(epoch, [w])
    }
    const answered: Array<Promise<void>> = []
    if (lasts.length > 0) answered.push(this.answerLast(topic, lasts))
    for (const group of byEpoch.values()) answered.push(this.answerAfter(topic, group))
    await Promise.all(answered)
    if (reads.waiting.length > 0) setImmediate(() => void this.next(topic))
    else this.topics.delete(topic)
  }

  private async answerLast(topic: string, waiters: Waiter[]): Promise<void> {
    const most = Math.max(...waiters.map((w) => (w.from as { last: number }).last))
    try {
      this.onRead()
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
      this.onRead()
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
  // offsets ascend: the first one past the position, found by halving (10K resumes of one long read)
  let low = 0
  let high = read.events.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (read.events[mid]!.offset > after.offset) high = mid
    else low = mid + 1
  }
  const events = low === 0 ? read.events : read.events.slice(low)
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
