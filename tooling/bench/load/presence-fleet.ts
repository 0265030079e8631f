import type { ChildProcess } from 'node:child_process'
import { createHistogram, decodeHistogram, type Histogram } from '../lib/histogram'
import { spawnTs, stopChild } from '../lib/spawn'
import type { PresenceSetup, PresenceTally, PresenceWorkerStats, ToPresenceWorker } from './presence-protocol'

/** Per-member counts summed over the workers (cumulative since the workers started). */
export interface FleetTally {
  online: Int32Array
  offline: Int32Array
  duplicates: Int32Array
  returns: Int32Array
  slowFlaps: Int32Array
  outOfOrder: number
  endOffline: number
  onlineLag: Histogram
  offlineLag: Histogram
}

type Counter = Exclude<keyof PresenceWorkerStats, 'type' | 'firstError' | 'at'>

/** The presence load-generator processes seen from the parent: setup, commands, summed stats and tallies. */
export class PresenceFleet {
  private readonly workers: ChildProcess[] = []
  private readonly latest = new Map<number, PresenceWorkerStats>()

  constructor(
    readonly size: number,
    setup: Omit<PresenceSetup, 'worker' | 'workers'>,
  ) {
    for (let index = 0; index < size; index++) {
      const worker = spawnTs('../load/presence-worker.ts', { label: `presence-load${index}` })
      worker.on('message', (message: PresenceWorkerStats | PresenceTally) => {
        if (message.type === 'stats') this.latest.set(index, message)
      })
      this.workers.push(worker)
      this.send(worker, { type: 'setup', ...setup, worker: index, workers: size })
    }
  }

  watch(): void {
    for (const worker of this.workers) this.send(worker, { type: 'watch' })
  }

  /** Opens every member, or `share` of each worker's members not opened yet. */
  join(share?: number): void {
    for (const worker of this.workers)
      this.send(worker, share === undefined ? { type: 'join' } : { type: 'join', share })
  }

  churn(plan: Omit<Extract<ToPresenceWorker, { type: 'churn' }>, 'type'>): void {
    for (const worker of this.workers) this.send(worker, { type: 'churn', ...plan })
  }

  calm(): void {
    for (const worker of this.workers) this.send(worker, { type: 'calm' })
  }

  get(key: Counter): number {
    let total = 0
    for (const stats of this.latest.values()) total += stats[key]
    return total
  }

  /** The largest of the workers' figure (maxFlapMs). */
  max(key: 'maxFlapMs'): number {
    let most = 0
    for (const stats of this.latest.values()) most = Math.max(most, stats[key])
    return most
  }

  get firstError(): string | undefined {
    for (const stats of this.latest.values()) if (stats.firstError) return stats.firstError
    return undefined
  }

  get cpuMs(): number {
    return this.get('cpuUserMs') + this.get('cpuSystemMs')
  }

  /** Waits for the next stats message of every worker, so the counts are current. */
  async settle(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2500)
            const onMessage = (message: { type?: string }) => {
              if (message.type !== 'stats') return
              clearTimeout(timer)
              worker.off('message', onMessage)
              resolve()
            }
            worker.on('message', onMessage)
          }),
      ),
    )
  }

  /** Every worker's cumulative per-member counts, summed; `resetLag`: lag histograms start over. */
  async tally(members: number, resetLag: boolean): Promise<FleetTally> {
    const answers = await Promise.all(
      this.workers.map(
        (worker, index) =>
          new Promise<PresenceTally>((resolve, reject) => {
            const timer = setTimeout(() => done(new Error(`presence-load${index} did not answer`)), 10_000)
            const onMessage = (message: { type?: string }) => {
              if (message.type === 'tally') done(message as PresenceTally)
            }
            const done = (answer: PresenceTally | Error) => {
              clearTimeout(timer)
              worker.off('message', onMessage)
              if (answer instanceof Error) reject(answer)
              else resolve(answer)
            }
            worker.on('message', onMessage)
            this.send(worker, { type: 'tally', resetLag })
          }),
      ),
    )
    const sum = {
      online: new Int32Array(members),
      offline: new Int32Array(members),
      duplicates: new Int32Array(members),
      returns: new Int32Array(members),
      slowFlaps: new Int32Array(members),
      outOfOrder: 0,
      endOffline: 0,
      onlineLag: createHistogram(),
      offlineLag: createHistogram(),
    }
    for (const answer of answers) {
      for (const key of ['online', 'offline', 'duplicates', 'returns', 'slowFlaps'] as const) {
        const values = decodeInts(answer[key])
        for (let m = 0; m < members; m++) sum[key][m]! += values[m] ?? 0
      }
      sum.outOfOrder += answer.outOfOrder
      sum.endOffline += answer.endOffline
      sum.onlineLag.add(decodeHistogram(answer.onlineLag))
      sum.offlineLag.add(decodeHistogram(answer.offlineLag))
    }
    return sum
  }

  private send(worker: ChildProcess, message: ToPresenceWorker): void {
    if (worker.connected) worker.send(message, () => {})
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => stopChild(worker)))
  }
}

function decodeInts(base64: string): Int32Array {
  const bytes = Buffer.from(base64, 'base64')
  // copied: a Buffer from base64 may sit in the pool at an offset that is not a multiple of 4
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return new Int32Array(copy.buffer)
}
