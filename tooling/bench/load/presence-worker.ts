/**
 * One presence load-generator process: its share of the members (raw-TCP SSE connections, each with its
 * own HS256 token in `Authorization`), churned on command (flaps and leaves), and its share of the
 * watchers (node:http streams subscribed to members' presence topics), counting what they get per member.
 */
import http from 'node:http'
import net from 'node:net'
import { encodeHistogram } from '../lib/histogram'
import { signHs256 } from './jwt'
import { memberId, memberIndex, presenceTopic, watchedBy } from './presence-assign'
import type { PresenceSetup, PresenceTally, PresenceWorkerStats, ToPresenceWorker } from './presence-protocol'
import { parsePresenceFrame, WatchCounts } from './presence-watch'
import { SourcePorts } from './source-ports'
import { SseFrames } from './sse-frames'
import { SseParser } from './sse-parser'

/** Tokens outlive any run: expiry is not what this scenario measures. */
const TOKEN_LIFETIME_S = 4 * 3600
/** A connection the server ended comes back after this, as a client would. */
const DROP_RETRY_MS = 1000
const CONCURRENCY = 256
const CHURN_TICK_MS = 100
const WATCHERS_IN_FLIGHT = 8
const SNAPSHOT_WAIT_MS = 10_000

interface Member {
  index: number
  token: string | null
  socket: net.Socket | undefined
  frontend: number
  /** connecting: opened, not `likewire.connected` yet; away: closed by a flap or leave, reopening later. */
  state: 'idle' | 'connecting' | 'ready' | 'away'
  /** The reopen under way ends a leave (counted as a return once connected). */
  leaving: boolean
  /** When its stream was closed by a flap or a leave (epoch ms). */
  closedAt: number
}

let setup: PresenceSetup
let counts: WatchCounts
let ports: SourcePorts | undefined
const mine: Member[] = []
let returns: Int32Array = new Int32Array(0)
let slowFlaps: Int32Array = new Int32Array(0)
const stats = {
  membersReady: 0,
  membersAway: 0,
  watchersReady: 0,
  duplicates: 0,
  flaps: 0,
  flapsAcross: 0,
  leaves: 0,
  returns: 0,
  slowFlaps: 0,
  maxFlapMs: 0,
  dropped: 0,
  rejected: 0,
  errors: 0,
}
let firstError: string | undefined
let closing = false
let churn: ReturnType<typeof setInterval> | undefined
const watcherRequests: http.ClientRequest[] = []

const randomFrontend = () => Math.floor(Math.random() * setup.frontends.length)

function fail(message: string): void {
  stats.errors++
  firstError ??= message
}

/** Opens (or reopens) a member's stream; `done` once it is connected or has failed. */
function openMember(member: Member, done: () => void = () => {}, attempt = 0): void {
  const { host, port } = setup.frontends[member.frontend]!
  const socket = net.connect({ host, port, ...ports?.next() })
  member.socket = socket
  member.state = 'connecting'
  let connected = false
  let settled = false
  const settle = () => {
    if (!settled) {
      settled = true
      done()
    }
  }
  const parser = new SseParser({
    onHead(status) {
      if (status !== 200) {
        stats.rejected++
        firstError ??= `HTTP ${status}`
        socket.destroy()
      }
    },
    onConnected() {
      connected = true
      member.state = 'ready'
      stats.membersReady++
      if (member.leaving) {
        member.leaving = false
        returns[member.index]!++
        stats.returns++
      } else if (member.closedAt > 0) {
        const took = Date.now() - member.closedAt
        stats.maxFlapMs = Math.max(stats.maxFlapMs, took)
        if (took > setup.graceMs) {
          slowFlaps[member.index]!++
          stats.slowFlaps++
        }
      }
      member.closedAt = 0
      settle()
    },
    onData() {},
  })
  let failure: Error | undefined
  socket.setNoDelay(true)
  socket.on('connect', () => {
    const authorization = member.token ? `Authorization: Bearer ${member.token}\r\n` : ''
    socket.write(
      `GET /v1/connect HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n${authorization}\r\n`,
    )
  })
  socket.on('data', (chunk: Buffer) => parser.push(chunk))
  socket.on('error', (error) => {
    failure = error
  })
  socket.on('close', () => {
    if (member.socket !== socket) return // closed by a flap or leave: its reopen is already planned
    if (connected) stats.membersReady--
    member.socket = undefined
    if (!connected && (failure as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' && attempt < 50) {
      openMember(member, done, attempt + 1) // that source pair is taken (TIME_WAIT): the next one
      return
    }
    settle()
    if (closing) return
    // the server ended it, or it failed: a client comes back after a second
    stats.dropped++
    if (failure) fail(failure.message)
    member.state = 'away'
    stats.membersAway++
    setTimeout(() => reopen(member), DROP_RETRY_MS)
  })
}

/** Closes a ready member's stream now; it comes back on a random frontend after `delayMs`. */
function closeFor(member: Member, delayMs: number, leaving: boolean): void {
  const socket = member.socket!
  member.socket = undefined
  member.state = 'away'
  member.leaving = leaving
  member.closedAt = Date.now()
  stats.membersReady--
  stats.membersAway++
  socket.destroy()
  setTimeout(() => reopen(member), delayMs)
}

function reopen(member: Member): void {
  if (closing) return
  stats.membersAway--
  const before = member.frontend
  member.frontend = randomFrontend()
  if (!member.leaving && member.frontend !== before) stats.flapsAcross++
  openMember(member)
}

/** A random member with an open stream (a few tries: most are). */
function pickReady(): Member | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const member = mine[Math.floor(Math.random() * mine.length)]
    if (member?.state === 'ready') return member
  }
  return undefined
}

function startChurn(message: Extract<ToPresenceWorker, { type: 'churn' }>): void {
  clearInterval(churn)
  let flapsOwed = 0
  let leavesOwed = 0
  let last = performance.now()
  churn = setInterval(() => {
    // owed by the time that passed, not the ticks: a late tick (a busy box) catches up
    const now = performance.now()
    const seconds = (now - last) / 1000
    last = now
    flapsOwed += message.flapPerSec * mine.length * seconds
    leavesOwed += message.leavePerSec * mine.length * seconds
    for (; leavesOwed >= 1; leavesOwed--) {
      const member = pickReady()
      if (!member) break
      stats.leaves++
      closeFor(member, message.awayMs, true)
    }
    for (; flapsOwed >= 1; flapsOwed--) {
      const member = pickReady()
      if (!member) break
      stats.flaps++
      closeFor(member, Math.random() * message.jitterMs, false)
    }
  }, CHURN_TICK_MS)
}

/** The next of this worker's members to open. */
let joined = 0

/** Opens (a share of) this worker's members with at most CONCURRENCY handshakes in flight. */
function join(share = 1): void {
  const end = Math.min(mine.length, joined + Math.round(mine.length * share))
  let next = joined
  joined = end
  let inFlight = 0
  const pump = () => {
    while (inFlight < CONCURRENCY && next < end) {
      const member = mine[next++]!
      inFlight++
      openMember(member, () => {
        inFlight--
        setImmediate(pump)
      })
    }
  }
  pump()
}

/**
 * Opens this worker's watchers: node:http streams (their frames are few, and read whole), a few at a time,
 * each once its snapshots came (or after SNAPSHOT_WAIT_MS): a thousand watchers subscribing to a hundred
 * presence topics each at once is a burst of reads the registry's 1 s timeout does not survive on this box.
 */
function watch(): void {
  const { watchers, workers, worker } = setup
  const queue: number[] = []
  for (let w = worker; w < watchers; w += workers) queue.push(w)
  const pump = () => {
    const w = queue.shift()
    if (w !== undefined) openWatcher(w, pump)
  }
  for (let i = 0; i < WATCHERS_IN_FLIGHT; i++) pump()
}

function openWatcher(w: number, next: () => void): void {
  const { members, watchers, frontends } = setup
  const list = watchedBy(w, members, watchers)
  let snapshots = 0
  let done = false
  const proceed = () => {
    if (done) return
    done = true
    clearTimeout(timer)
    next()
  }
  const timer = setTimeout(proceed, SNAPSHOT_WAIT_MS)
  const watched = new Set(list)
  const { host, port } = frontends[w % frontends.length]!
  const token = setup.secret ? bearer(`watcher-${w}`) : undefined
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
        stats.rejected++
        firstError ??= `watcher: HTTP ${response.statusCode}`
        response.resume()
        proceed()
        return
      }
      stats.watchersReady++
      response.setEncoding('utf8')
      const frames = new SseFrames((data) => {
        const frame = parsePresenceFrame(data, memberIndex)
        if (frame) counts.see(w, watched, frame, Date.now())
        else counts.unexpected++
        if (++snapshots >= list.length) proceed()
      })
      response.on('data', (text: string) => frames.push(text))
      response.on('close', () => {
        stats.watchersReady--
        if (!closing) fail(`watcher ${w} stream ended`)
      })
    },
  )
  request.on('error', (error) => {
    if (!closing) fail(`watcher ${w}: ${error.message}`)
    proceed()
  })
  watcherRequests.push(request)
}

const bearer = (sub: string) => {
  const iat = Math.floor(Date.now() / 1000)
  return signHs256({ sub, iat, exp: iat + TOKEN_LIFETIME_S }, setup.secret!)
}

const encode = (array: Int32Array) =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64')

function sum(array: Int32Array): number {
  let total = 0
  for (const value of array) total += value
  return total
}

function report(): void {
  if (!counts) return
  const cpu = process.cpuUsage()
  const message: PresenceWorkerStats = {
    type: 'stats',
    ...stats,
    duplicates: sum(counts.duplicates),
    snapshots: counts.snapshots,
    online: sum(counts.online),
    offline: sum(counts.offline),
    unexpected: counts.unexpected,
    firstError,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBytes: process.memoryUsage.rss(),
    at: Date.now(),
  }
  process.send?.(message)
}

const timer = setInterval(report, 1000)

process.on('message', (message: ToPresenceWorker) => {
  switch (message.type) {
    case 'setup': {
      const { type: _type, ...rest } = message
      setup = rest
      counts = new WatchCounts(setup.members, setup.graceMs)
      returns = new Int32Array(setup.members)
      slowFlaps = new Int32Array(setup.members)
      if (setup.localAddresses.length > 0)
        ports = new SourcePorts(setup.localAddresses, setup.worker, setup.workers)
      for (let index = setup.worker; index < setup.members; index += setup.workers)
        mine.push({
          index,
          token: setup.secret ? bearer(memberId(index)) : null,
          socket: undefined,
          frontend: index % setup.frontends.length,
          state: 'idle',
          leaving: false,
          closedAt: 0,
        })
      break
    }
    case 'watch':
      watch()
      break
    case 'join':
      counts.live()
      join(message.share)
      break
    case 'churn':
      startChurn(message)
      break
    case 'calm':
      clearInterval(churn)
      churn = undefined
      break
    case 'tally': {
      const tally: PresenceTally = {
        type: 'tally',
        online: encode(counts.online),
        offline: encode(counts.offline),
        duplicates: encode(counts.duplicates),
        returns: encode(returns),
        slowFlaps: encode(slowFlaps),
        outOfOrder: counts.outOfOrder,
        endOffline: counts.endOffline(),
        onlineLag: encodeHistogram(counts.onlineLag),
        offlineLag: encodeHistogram(counts.offlineLag),
      }
      if (message.resetLag) counts.resetLag()
      process.send?.(tally)
      break
    }
    case 'close':
      closing = true
      clearInterval(timer)
      clearInterval(churn)
      for (const member of mine) member.socket?.destroy()
      for (const request of watcherRequests) request.destroy()
      report()
      process.disconnect?.()
      setTimeout(() => process.exit(0), 200).unref()
      break
  }
})
process.on('disconnect', () => process.exit(0))
