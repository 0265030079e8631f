/**
 * One presence load-generator process: its share of the members (presence-members.ts), churned on
 * command, and of the watchers (presence-watchers.ts), counting what they get per member; stats to the
 * parent every second, per-member tallies when asked.
 */
import { encodeHistogram } from '../lib/histogram'
import { Members } from './presence-members'
import type { PresenceTally, PresenceWorkerStats, ToPresenceWorker } from './presence-protocol'
import { Watchers } from './presence-watchers'
import { WorkerState } from './presence-worker-state'

let state: WorkerState | undefined
let members: Members
let watchers: Watchers

const encode = (array: Int32Array) =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64')

function sum(array: Int32Array): number {
  let total = 0
  for (const value of array) total += value
  return total
}

function report(): void {
  if (!state) return
  const { counts } = watchers
  const cpu = process.cpuUsage()
  const message: PresenceWorkerStats = {
    type: 'stats',
    ...state.stats,
    duplicates: sum(counts.duplicates),
    snapshots: counts.snapshots,
    online: sum(counts.online),
    offline: sum(counts.offline),
    unexpected: counts.unexpected,
    firstError: state.firstError,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBytes: process.memoryUsage.rss(),
    at: Date.now(),
  }
  process.send?.(message)
}

function tally(resetLag: boolean): PresenceTally {
  const { counts } = watchers
  const answer: PresenceTally = {
    type: 'tally',
    online: encode(counts.online),
    offline: encode(counts.offline),
    duplicates: encode(counts.duplicates),
    returns: encode(members.returns),
    slowFlaps: encode(members.slowFlaps),
    outOfOrder: counts.outOfOrder,
    endOffline: counts.endOffline(),
    onlineLag: encodeHistogram(counts.onlineLag),
    offlineLag: encodeHistogram(counts.offlineLag),
  }
  if (resetLag) counts.resetLag()
  return answer
}

const timer = setInterval(report, 1000)

process.on('message', (message: ToPresenceWorker) => {
  switch (message.type) {
    case 'setup': {
      const { type: _type, ...setup } = message
      state = new WorkerState(setup)
      members = new Members(state)
      watchers = new Watchers(state)
      break
    }
    case 'watch':
      watchers.watch()
      break
    case 'join':
      // every snapshot came before: from now on a watcher's frames are changes
      watchers.counts.live()
      members.join(message.share)
      break
    case 'churn':
      members.startChurn(message)
      break
    case 'calm':
      members.calm()
      break
    case 'tally':
      process.send?.(tally(message.resetLag))
      break
    case 'close':
      if (state) state.closing = true
      clearInterval(timer)
      members?.close()
      watchers?.close()
      report()
      process.disconnect?.()
      setTimeout(() => process.exit(0), 200).unref()
      break
  }
})
process.on('disconnect', () => process.exit(0))
