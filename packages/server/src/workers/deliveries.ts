import type { EncodedEvent } from '../protocol/frames'
import { cutByBytes, type Pending } from '../transport/http-transport'
import type { FrontendTransport } from '../transport/transport'
import type { Channel } from './channel'

/**
 * A batch of events as it crosses from the primary to a worker: one array per field, so the structured
 * clone copies a few arrays of strings instead of an object per event (measured cheapest: decisions.md).
 */
export interface DeliveryBatch {
  topics: string[]
  ids: string[]
  ts: number[]
  json: string[]
  /** Positions of history events: the epoch ('' for none) and offset of each event, when any has one. */
  epochs?: string[]
  offsets?: number[]
}

/** The note kind of a delivery (primary -> worker). */
export const DELIVER = 'deliver'

export function encodeDeliveries(events: readonly EncodedEvent[]): DeliveryBatch {
  const batch: DeliveryBatch = { topics: [], ids: [], ts: [], json: [] }
  const positioned = events.some((event) => event.pos !== undefined)
  if (positioned) {
    batch.epochs = []
    batch.offsets = []
  }
  for (const event of events) {
    batch.topics.push(event.topic)
    batch.ids.push(event.id)
    batch.ts.push(event.ts)
    batch.json.push(event.json)
    if (positioned) {
      batch.epochs!.push(event.pos?.epoch ?? '')
      batch.offsets!.push(event.pos?.offset ?? 0)
    }
  }
  return batch
}

export function decodeDeliveries(batch: DeliveryBatch): EncodedEvent[] {
  const { topics, ids, ts, json, epochs, offsets } = batch
  const events: EncodedEvent[] = new Array(topics.length)
  for (let i = 0; i < topics.length; i++) {
    const epoch = epochs?.[i]
    events[i] = epoch
      ? { topic: topics[i]!, id: ids[i]!, ts: ts[i]!, json: json[i]!, pos: { epoch, offset: offsets![i]! } }
      : { topic: topics[i]!, id: ids[i]!, ts: ts[i]!, json: json[i]! }
  }
  return events
}

/** Most events waiting for one worker while a batch to it is being written; past it they fail, counted. */
const MAX_QUEUED_EVENTS = 100_000
/** Largest batch in one message, as over HTTP: a backlog of large events goes as several, in order. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024
/** A batch a worker has not taken by then fails (counted), as an HTTP delivery times out: publishes never wait on one stuck worker. */
export const DELIVERY_TIMEOUT_MS = 3000

/**
 * The primary's dispatcher -> its workers (standalone with workers): each worker's batches go over its IPC
 * channel, one in flight per worker; what arrives meanwhile goes as the next batch, like HttpTransport.
 */
export class WorkerTransport implements FrontendTransport {
  private readonly queues = new Map<string, WorkerQueue>()

  attach(nodeId: string, channel: Channel): void {
    this.queues.set(nodeId, new WorkerQueue(channel))
  }

  /** The worker is gone: what waited for it fails (counted by the dispatcher). */
  detach(nodeId: string): void {
    this.queues.get(nodeId)?.fail(new Error(`Worker ${nodeId} is gone`))
    this.queues.delete(nodeId)
  }

  deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void> {
    const queue = this.queues.get(nodeId)
    if (!queue) return Promise.reject(new Error(`No worker ${nodeId} in this node`))
    return queue.push(events)
  }

  async close(): Promise<void> {
    for (const nodeId of [...this.queues.keys()]) this.detach(nodeId)
  }
}

class WorkerQueue {
  private pending: Pending[] = []
  private queued = 0
  private busy = false

  constructor(private readonly channel: Channel) {}

  push(events: readonly EncodedEvent[]): Promise<void> {
    if (this.queued + events.length > MAX_QUEUED_EVENTS)
      return Promise.reject(new Error('The queue to the worker is full'))
    return new Promise((resolve, reject) => {
      // the write stays queued (a channel write cannot be taken back): the worker may still deliver it
      const timer = setTimeout(
        () => reject(new Error(`The worker took no batch within ${DELIVERY_TIMEOUT_MS} ms`)),
        DELIVERY_TIMEOUT_MS,
      )
      timer.unref()
      const settle = (done: () => void) => {
        clearTimeout(timer)
        done()
      }
      this.pending.push({
        events,
        resolve: () => settle(resolve),
        reject: (error) => settle(() => reject(error)),
      })
      this.queued += events.length
      if (!this.busy) void this.pump()
    })
  }

  fail(error: Error): void {
    for (const p of this.pending.splice(0)) p.reject(error)
    this.queued = 0
  }

  private async pump(): Promise<void> {
    this.busy = true
    while (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      this.queued = 0
      const failed = new Map<Pending, unknown>()
      for (const { events, owners } of cutByBytes(batch, MAX_BATCH_BYTES)) {
        try {
          await this.channel.note(DELIVER, encodeDeliveries(events))
        } catch (error) {
          for (const owner of owners) failed.set(owner, error)
        }
      }
      // a publish is done once every message carrying one of its events was written
      for (const p of batch) {
        if (failed.has(p)) p.reject(failed.get(p))
        else p.resolve()
      }
    }
    this.busy = false
  }
}
