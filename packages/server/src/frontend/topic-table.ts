import type { Connection } from './connection'

/** The frontend's in-memory subscriptions table: topic -> local connections (challenge 3 of the talk). */
export class TopicTable {
  private readonly table = new Map<string, Set<Connection>>()

  /** Adds the subscription; true when it is this node's first subscriber of the topic. */
  add(topic: string, connection: Connection): boolean {
    let set = this.table.get(topic)
    const first = set === undefined
    if (!set) {
      set = new Set()
      this.table.set(topic, set)
    }
    set.add(connection)
    return first
  }

  /** Removes the subscription; true when it was this node's last subscriber of the topic. */
  remove(topic: string, connection: Connection): boolean {
    const set = this.table.get(topic)
    if (!set?.delete(connection)) return false
    if (set.size > 0) return false
    this.table.delete(topic)
    return true
  }

  get(topic: string): ReadonlySet<Connection> | undefined {
    return this.table.get(topic)
  }

  count(topic: string): number {
    return this.table.get(topic)?.size ?? 0
  }

  topics(): IterableIterator<string> {
    return this.table.keys()
  }

  get size(): number {
    return this.table.size
  }
}
