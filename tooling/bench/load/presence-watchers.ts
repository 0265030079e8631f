import http from 'node:http'
import { memberIndex, presenceTopic, watchedBy } from './presence-assign'
import { parsePresenceFrame, WatchCounts } from './presence-watch'
import type { WorkerState } from './presence-worker-state'
import { SseFrames } from './sse-frames'

const WATCHERS_IN_FLIGHT = 8
const SNAPSHOT_WAIT_MS = 10_000

/**
 * This worker's watchers (index mod workers): node:http streams (their frames are few, and read whole),
 * each subscribed on connect to the presence topics of the members it watches, counting what it gets.
 */
export class Watchers {
  readonly counts: WatchCounts
  private readonly requests: http.ClientRequest[] = []

  constructor(private readonly state: WorkerState) {
    this.counts = new WatchCounts(state.setup.members, state.setup.graceMs)
  }

  /**
   * Opens the watchers a few at a time, each once its snapshots came (or after SNAPSHOT_WAIT_MS): a
   * thousand watchers subscribing to a hundred presence topics each at once is a burst of reads the
   * registry's 1 s timeout does not survive on this box.
   */
  watch(): void {
    const { watchers, workers, worker } = this.state.setup
    const queue: number[] = []
    for (let w = worker; w < watchers; w += workers) queue.push(w)
    const pump = () => {
      const w = queue.shift()
      if (w !== undefined) this.open(w, pump)
    }
    for (let i = 0; i < WATCHERS_IN_FLIGHT; i++) pump()
  }

  close(): void {
    for (const request of this.requests) request.destroy()
  }

  private open(w: number, next: () => void): void {
    const { state, counts } = this
    const { members, watchers, frontends } = state.setup
    const list = watchedBy(w, members, watchers)
    const watched = new Set(list)
    let snapshots = 0
    let done = false
    const proceed = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      next()
    }
    const timer = setTimeout(proceed, SNAPSHOT_WAIT_MS)
    const { host, port } = frontends[w % frontends.length]!
    const token = state.bearer(`watcher-${w}`)
    const request = http.get(
      {
        host,
        port,
        agent: false,
        path: `/v1/connect?topics=${list.map(presenceTopic).join(',')}`,
        headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      },
      (response) => {
        if (response.statusCode !== 200) {
          state.rejected(response.statusCode, 'watcher')
          response.resume()
          proceed()
          return
        }
        state.stats.watchersReady++
        response.setEncoding('utf8')
        const frames = new SseFrames((data) => {
          const frame = parsePresenceFrame(data, memberIndex)
          if (frame) counts.see(w, watched, frame, Date.now())
          else counts.unexpected++
          if (++snapshots >= list.length) proceed()
        })
        response.on('data', (text: string) => frames.push(text))
        response.on('close', () => {
          state.stats.watchersReady--
          if (!state.closing) state.fail(`watcher ${w} stream ended`)
        })
      },
    )
    request.on('error', (error) => {
      if (!state.closing) state.fail(`watcher ${w}: ${error.message}`)
      proceed()
    })
    this.requests.push(request)
  }
}
