import type { EncodedEvent } from '../protocol/frames'

/** Receives deliveries on a frontend node: the far end of the dispatcher -> frontend hop. */
export interface DeliveryTarget {
  deliver(events: readonly EncodedEvent[]): void
}

/** How a dispatcher reaches frontend nodes: in-process when embedded, HTTP in a cluster. */
export interface FrontendTransport {
  /** Delivers a batch to one node; rejects when the node could not be reached. */
  deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void>
  close(): Promise<void>
}
