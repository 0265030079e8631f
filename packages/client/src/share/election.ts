import type { Timers } from '../options'

/** The part of the Web Locks API the election uses (`navigator.locks`). */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive'; signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<void>,
  ): Promise<unknown>
}

export interface ElectionHooks {
  /** This tab leads from now on, with this term (it outranks every term seen so far). */
  lead(term: number): void
  /** This tab no longer leads (it resigned, or another tab took the lock or outranked it). */
  resigned(): void
}

/** One tab's part in electing the tab that holds the stream. */
export interface Election {
  /** Joins: waits for the lock, or claims after a silence. */
  start(): void
  /** Leaves: resigns when leading, stops waiting. */
  stop(): void
  /** A leader (or its beat) was heard: its term is remembered; a tab it outranks steps down. */
  heard(term: number, outranked: boolean): void
  /** The leader went silent past its timeout: take over (steal the lock, or claim). */
  leaderSilent(): void
  /** The leader said it leaves (it resigned or closed): claim after a moment; a lock is handed on by the browser. */
  leaderLeft(): void
  readonly leading: boolean
}

/** How long a tab stays quiet after a silence before it takes over: spread, so one tab usually goes first. */
const TAKEOVER_JITTER_MS = 300

/**
 * Web Locks: the tab granted the lock leads until it resigns; a closed or crashed tab's lock is released by
 * the browser and the next waiting tab is granted it at once. A leader that hangs keeps its lock, so a
 * tab that heard no beat for the timeout steals it (the hung tab's request fails, and it steps down when
 * it runs again).
 */
export function lockElection(
  locks: LockManagerLike,
  name: string,
  hooks: ElectionHooks,
  timers: Timers,
  random: () => number,
): Election {
  let joined = false
  let waiting: AbortController | null = null
  let release: (() => void) | null = null
  let lastTerm = 0
  let steal: unknown
  /** The request this tab wants granted now (queued, or a steal): any other one granted is handed on. */
  let wanted: object | null = null
  const nextTerm = () => Math.max(Date.now(), lastTerm + 1)

  // each request knows whether it holds the lock now: one resigned, aborted or failing later changes nothing
  const request = (options: { signal?: AbortSignal; steal?: boolean }) => {
    const token = {}
    wanted = token
    let held: (() => void) | null = null
    const granted = () =>
      new Promise<void>((resolve) => {
        // given up before the grant reached us (an abort too late, a steal in flight at stop): hand it on
        if (token !== wanted) return resolve()
        timers.clearTimeout(steal) // leading: a steal now would take the lock from ourselves
        waiting = null // held now, no longer waiting
        held = resolve
        release = resolve
        lastTerm = nextTerm()
        hooks.lead(lastTerm)
      })
    const lost = () => {
      // resigned already (release cleared, or a later request's): nothing was taken from this one
      if (!held || release !== held) return
      held = null
      release = null
      hooks.resigned()
      // the lock was taken from us (we hung, or a steal raced): wait in line again
      if (joined && !waiting) queue()
    }
    return locks.request(name, { mode: 'exclusive', ...options }, granted).then(lost, lost)
  }
  const queue = () => {
    waiting = new AbortController()
    void request({ signal: waiting.signal })
  }
  const resign = () => {
    const done = release
    release = null
    if (!done) return
    done()
    hooks.resigned()
    if (joined) queue()
  }

  return {
    get leading() {
      return release !== null
    },
    start() {
      joined = true
      if (waiting || release) return
      queue()
    },
    stop() {
      joined = false
      wanted = null
      timers.clearTimeout(steal)
      waiting?.abort()
      waiting = null
      resign()
    },
    heard(term, outranked) {
      lastTerm = Math.max(lastTerm, term)
      timers.clearTimeout(steal)
      if (outranked) resign()
    },
    leaderSilent() {
      if (!joined || release) return // a tab out of the election (parked, refused) never steals
      timers.clearTimeout(steal)
      steal = timers.setTimeout(() => {
        if (!joined || release) return
        waiting?.abort()
        waiting = null
        void request({ steal: true })
      }, random() * TAKEOVER_JITTER_MS)
    },
    // the leaving tab released its lock: the next tab in line is granted it (a steal would race that grant)
    leaderLeft() {},
  }
}

/**
 * Without Web Locks: a tab that hears no leader for a while claims with the next term; two claims settle by
 * rank (term, then tab id), so there is always a leader after a silence, and never two for long.
 */
export function claimElection(
  hooks: ElectionHooks,
  timers: Timers,
  random: () => number,
  helloWaitMs: number,
): Election {
  let leading = false
  let joined = false
  let lastTerm = 0
  let claim: unknown
  const arm = (ms: number) => {
    timers.clearTimeout(claim)
    claim = timers.setTimeout(() => {
      if (!joined || leading) return
      leading = true
      lastTerm += 1
      hooks.lead(lastTerm)
    }, ms)
  }
  return {
    get leading() {
      return leading
    },
    start() {
      joined = true
      arm(helloWaitMs + random() * TAKEOVER_JITTER_MS)
    },
    stop() {
      joined = false
      timers.clearTimeout(claim)
      if (leading) {
        leading = false
        hooks.resigned()
      }
    },
    heard(term, outranked) {
      lastTerm = Math.max(lastTerm, term)
      timers.clearTimeout(claim)
      if (outranked && leading) {
        leading = false
        hooks.resigned()
      }
    },
    leaderSilent() {
      if (joined && !leading) arm(random() * TAKEOVER_JITTER_MS)
    },
    leaderLeft() {
      if (joined && !leading) arm(random() * TAKEOVER_JITTER_MS)
    },
  }
}
