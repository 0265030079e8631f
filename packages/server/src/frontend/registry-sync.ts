import type { Registry } from '../registry/registry'

/**
 * Keeps the registry's topic -> node entries in step with the local table. Changes made in one tick go
 * to the registry as one batch, and what is sent is the table's state at flush time, so an add and a
 * remove of the same topic can never reach the registry out of order.
 */
export class RegistrySync {
  private touched = new Set<string>()
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = []
  private scheduled = false
  private running: Promise<void> = Promise.resolve()

  constructor(
    private readonly registry: Registry,
    private readonly nodeId: string,
    private readonly hasSubscribers: (topic: string) => boolean,
  ) {}

  /** Marks topics whose first subscriber arrived or last one left; resolves once the registry agrees. */
  touch(topics: Iterable<string>): Promise<void> {
    for (const topic of topics) this.touched.add(topic)
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        // wait for the batch in flight, so batches reach the registry one after another
        this.running = this.running
          .then(() => new Promise<void>((done) => setImmediate(done)))
          .then(() => this.flush())
      }
    })
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
