import net from 'node:net'
import { memberId } from './presence-assign'
import type { ToPresenceWorker } from './presence-protocol'
import type { WorkerState } from './presence-worker-state'
import { SourcePorts } from './source-ports'
import { SseParser } from './sse-parser'

/** A connection the server ended comes back after this, as a client would. */
const DROP_RETRY_MS = 1000
/** Handshakes in flight while members connect, so listen backlogs never overflow. */
const CONCURRENCY = 256
const CHURN_TICK_MS = 100

interface Member {
  index: number
  token: string | undefined
  socket: net.Socket | undefined
  frontend: number
  /** connecting: opened, not `likewire.connected` yet; away: closed by a flap or leave, reopening later. */
  state: 'idle' | 'connecting' | 'ready' | 'away'
  /** The reopen under way ends a leave (counted as a return once connected). */
  leaving: boolean
  /** When its stream was closed by a flap or a leave (epoch ms). */
  closedAt: number
}

/**
 * This worker's members (index mod workers): one raw-TCP SSE stream each, its token in `Authorization`,
 * on frontend `index mod frontends`; churned on command, each reopen on a random frontend.
 */
export class Members {
  /** Leaves of each member that are back, indexed by member (the whole run's). */
  readonly returns: Int32Array
  /** Flaps of each member that outlasted the grace. */
  readonly slowFlaps: Int32Array
  private readonly mine: Member[] = []
  private readonly ports: SourcePorts | undefined
  /** The next member to open. */
  private joined = 0
  private churn: ReturnType<typeof setInterval> | undefined

  constructor(private readonly state: WorkerState) {
    const { setup } = state
    this.returns = new Int32Array(setup.members)
    this.slowFlaps = new Int32Array(setup.members)
    if (setup.localAddresses.length > 0)
      this.ports = new SourcePorts(setup.localAddresses, setup.worker, setup.workers)
    for (let index = setup.worker; index < setup.members; index += setup.workers)
      this.mine.push({
        index,
        token: state.bearer(memberId(index)),
        socket: undefined,
        frontend: index % setup.frontends.length,
        state: 'idle',
        leaving: false,
        closedAt: 0,
      })
  }

  /** Opens (a share of) the members not opened yet, at most CONCURRENCY handshakes in flight. */
  join(share = 1): void {
    const end = Math.min(this.mine.length, this.joined + Math.round(this.mine.length * share))
    let next = this.joined
    this.joined = end
    let inFlight = 0
    const pump = () => {
      while (inFlight < CONCURRENCY && next < end) {
        inFlight++
        this.open(this.mine[next++]!, () => {
          inFlight--
          setImmediate(pump)
        })
      }
    }
    pump()
  }

  startChurn(plan: Extract<ToPresenceWorker, { type: 'churn' }>): void {
    this.calm()
    const { stats } = this.state
    const count = this.mine.length
    let flapsOwed = 0
    let leavesOwed = 0
    let last = performance.now()
    this.churn = setInterval(() => {
      // owed by the time that passed, not the ticks: a late tick (a busy box) catches up
      const now = performance.now()
      const seconds = (now - last) / 1000
      last = now
      flapsOwed += plan.flapPerSec * count * seconds
      leavesOwed += plan.leavePerSec * count * seconds
      for (; leavesOwed >= 1; leavesOwed--) {
        const member = this.pickReady()
        if (!member) break
        stats.leaves++
        this.closeFor(member, plan.awayMs, true)
      }
      for (; flapsOwed >= 1; flapsOwed--) {
        const member = this.pickReady()
        if (!member) break
        stats.flaps++
        this.closeFor(member, Math.random() * plan.jitterMs, false)
      }
    }, CHURN_TICK_MS)
  }

  /** No new flap or leave; those under way finish. */
  calm(): void {
    clearInterval(this.churn)
    this.churn = undefined
  }

  close(): void {
    this.calm()
    for (const member of this.mine) member.socket?.destroy()
  }

  /** Opens (or reopens) a member's stream; `done` once it is connected or has failed. */
  private open(member: Member, done: () => void = () => {}, attempt = 0): void {
    const { stats, setup } = this.state
    const { host, port } = setup.frontends[member.frontend]!
    const socket = net.connect({ host, port, ...this.ports?.next() })
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
      onHead: (status) => {
        if (status === 200) return
        this.state.rejected(status, 'member')
        socket.destroy()
      },
      onConnected: () => {
        connected = true
        member.state = 'ready'
        stats.membersReady++
        this.back(member)
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
      const code = (failure as NodeJS.ErrnoException | undefined)?.code
      if (!connected && code === 'EADDRINUSE' && attempt < 50) {
        this.open(member, done, attempt + 1) // that source pair is taken (TIME_WAIT): the next one
        return
      }
      settle()
      if (this.state.closing) return
      // the server ended it, or it failed: a client comes back after a second
      stats.dropped++
      if (failure) this.state.fail(failure.message)
      member.state = 'away'
      stats.membersAway++
      setTimeout(() => this.reopen(member), DROP_RETRY_MS)
    })
  }

  /** A member connected again: a leave is back, a flap is timed against the grace. */
  private back(member: Member): void {
    const { stats, setup } = this.state
    if (member.leaving) {
      member.leaving = false
      this.returns[member.index]!++
      stats.returns++
    } else if (member.closedAt > 0) {
      const took = Date.now() - member.closedAt
      stats.maxFlapMs = Math.max(stats.maxFlapMs, took)
      if (took > setup.graceMs) {
        this.slowFlaps[member.index]!++
        stats.slowFlaps++
      }
    }
    member.closedAt = 0
  }

  /** Closes a ready member's stream now; it comes back on a random frontend after `delayMs`. */
  private closeFor(member: Member, delayMs: number, leaving: boolean): void {
    const { stats } = this.state
    const socket = member.socket!
    member.socket = undefined
    member.state = 'away'
    member.leaving = leaving
    member.closedAt = Date.now()
    stats.membersReady--
    stats.membersAway++
    socket.destroy()
    setTimeout(() => this.reopen(member), delayMs)
  }

  private reopen(member: Member): void {
    if (this.state.closing) return
    const { stats, setup } = this.state
    stats.membersAway--
    const before = member.frontend
    member.frontend = Math.floor(Math.random() * setup.frontends.length)
    if (!member.leaving && member.frontend !== before) stats.flapsAcross++
    this.open(member)
  }

  /** A random member with an open stream (a few tries: most are). */
  private pickReady(): Member | undefined {
    for (let tries = 0; tries < 20; tries++) {
      const member = this.mine[Math.floor(Math.random() * this.mine.length)]
      if (member?.state === 'ready') return member
    }
    return undefined
  }
}
