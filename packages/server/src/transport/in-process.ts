import type { EncodedEvent } from '../protocol/frames'
import type { DeliveryTarget, FrontendTransport } from './transport'

/**
 * Embedded mode: the dispatcher calls the frontend directly, no network hop. In a cluster, a frontend
 * node's own publishes reach itself this way and every other node through `fallback`.
 */
export class InProcessTransport implements FrontendTransport {
  private readonly targets = new Map<string, DeliveryTarget>()

  constructor(private readonly fallback?: FrontendTransport) {}

  attach(nodeId: string, target: DeliveryTarget): void {
    this.targets.set(nodeId, target)
  }

  detach(nodeId: string): void {
    this.targets.delete(nodeId)
  }

  async deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void> {
    const target = this.targets.get(nodeId)
    if (target) return target.deliver(events)
    if (this.fallback) return this.fallback.deliver(nodeId, events)
    throw new Error(`No frontend node ${nodeId} in this process`)
  }

  /** Forgets the in-process targets; the fallback belongs to whoever created it, and is closed by them. */
  async close(): Promise<void> {
    this.targets.clear()
  }
}
