import type { Registry } from '../registry/registry'

/**
 * Keeps the registry's topic -> node entries in step with the local table. Changes made in one tick go
 * to the registry as one batch, and what is sent is the table's state at flush time, so an add and a
 * remove of the same topic can never reach the registry out of order. Batches and resyncs run one
 * after another on one chain.
 */
export class RegistrySync {
  private touched = new Set<string>()
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = []
  private scheduled = false
  private running: Promise<void> = Promise.resolve()
  /** The batch that will record each touched topic: later subscribers of it wait for the same batch. */
  private readonly inFlight = new Map<string, Promise<void>>()
  private busy = 0

  constructor(
    private readonly registry: Registry,
    private readonly nodeId: string,
    private readonly localTopics: () => string[],
    private readonly hasSubscribers: (topic: string) => boolean,
  ) {}

  /** Marks topics whose first subscriber arrived or last one left; resolves once the registry agrees. */
  touch(topics: Iterable<string>): Promise<void> {
    const batch = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
    })
    for (const topic of topics) {
      this.touched.add(topic)
      this.track(topic, batch)
    }
    if (!this.scheduled) {
      this.scheduled = true
      // wait for the tick's other changes, and for the batch in flight
      this.enqueue(() => new Promise<void>((done) => setImmediate(done)).then(() => this.flush()))
    }
    return batch
  }

  /** Resolves once every pending registry write of these topics has landed (rejects if one failed). */
  settled(topics: Iterable<string>): Promise<void> {
    const pending = [...topics].map((topic) => this.inFlight.get(topic)).filter((p) => p !== undefined)
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => {})
  }

  /** True when no batch or resync is pending: the registry should then match the local table. */
  get idle(): boolean {
    return this.busy === 0 && !this.scheduled
  }

  /** Re-records every local topic (taken when it runs), in turn with the batches. */
  resync(): Promise<void> {
    return this.enqueue(() => this.registry.replaceTopics(this.nodeId, this.localTopics()))
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.busy++
    const done = this.running.then(step).finally(() => {
      this.busy--
    })
    this.running = done.catch(() => {})
    return done
  }

  private track(topic: string, batch: Promise<void>): void {
    this.inFlight.set(topic, batch)
    const forget = () => {
      if (this.inFlight.get(topic) === batch) this.inFlight.delete(topic)
    }
    batch.then(forget, forget)
  }

  private async flush(): Promise<void> {
    this.scheduled = false
    const topics = [...this.touched]
    const waiters = this.waiters
    this.touched = new Set()
    this.waiters = []
    const adds = topics.filter((topic) => this.hasSubscribers(topic))
    const removes = topics.filter((topic) => !this.hasSubscribers(topic))
    try {
      if (adds.length > 0) await this.registry.addTopics(this.nodeId, adds)
      if (removes.length > 0) await this.registry.removeTopics(this.nodeId, removes)
      for (const waiter of waiters) waiter.resolve()
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error)
    }
  }
}
