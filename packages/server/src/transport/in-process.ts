import type { EncodedEvent } from '../protocol/frames'
import type { DeliveryTarget, FrontendTransport } from './transport'

/** Embedded mode: the dispatcher calls the frontend directly, no network hop. */
export class InProcessTransport implements FrontendTransport {
  private readonly targets = new Map<string, DeliveryTarget>()

  attach(nodeId: string, target: DeliveryTarget): void {
    this.targets.set(nodeId, target)
  }

  detach(nodeId: string): void {
    this.targets.delete(nodeId)
  }

  async deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void> {
    const target = this.targets.get(nodeId)
    if (!target) throw new Error(`No frontend node ${nodeId} in this process`)
    target.deliver(events)
  }

  async close(): Promise<void> {
    this.targets.clear()
  }
}
