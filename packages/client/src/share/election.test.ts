import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Timers } from '../options'
import { useFakeTime } from '../testing/harness'
import { type LockManagerLike, lockElection } from './election'

/** A lock manager whose grants the test hands out, as a browser decides them (maybe after an abort). */
function manualLocks() {
  const asked: Array<{ steal: boolean; grant(): { released: () => boolean } }> = []
  const locks: LockManagerLike = {
    request(_name, options, callback) {
      return new Promise((resolve, reject) => {
        asked.push({
          steal: options.steal === true,
          grant() {
            let released = false
            callback().then(() => {
              released = true
              resolve(undefined)
            }, reject)
            return { released: () => released }
          },
        })
      })
    },
  }
  return { locks, asked }
}

const timers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

describe('the Web Locks election', () => {
  beforeEach(useFakeTime)
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a lock granted after stop() (the abort came too late) is handed on at once: the tab does not lead', async () => {
    const { locks, asked } = manualLocks()
    const hooks = { lead: vi.fn(), resigned: vi.fn() }
    const election = lockElection(locks, 'n', hooks, timers, () => 0)
    election.start()
    election.stop() // the tab closed or parked: its abort reaches the browser after the grant
    const held = asked[0]!.grant()
    await Promise.resolve()
    expect(hooks.lead).not.toHaveBeenCalled()
    expect(election.leading).toBe(false)
    expect(held.released()).toBe(true)
  })

  it('a steal in flight when the tab stops: granted, it is handed on at once', async () => {
    const { locks, asked } = manualLocks()
    const hooks = { lead: vi.fn(), resigned: vi.fn() }
    const election = lockElection(locks, 'n', hooks, timers, () => 0)
    election.start()
    election.leaderSilent()
    await vi.advanceTimersByTimeAsync(1)
    const steal = asked.find((request) => request.steal)!
    election.stop()
    const held = steal.grant()
    await Promise.resolve()
    expect(hooks.lead).not.toHaveBeenCalled()
    expect(held.released()).toBe(true)
  })

  it('stopped and started again: a grant of the request it gave up is handed on; the new one leads', async () => {
    const { locks, asked } = manualLocks()
    const hooks = { lead: vi.fn(), resigned: vi.fn() }
    const election = lockElection(locks, 'n', hooks, timers, () => 0)
    election.start()
    election.stop()
    election.start() // parked and back within a moment
    const old = asked[0]!.grant()
    await Promise.resolve()
    expect(hooks.lead).not.toHaveBeenCalled()
    expect(old.released()).toBe(true)
    asked[1]!.grant()
    expect(hooks.lead).toHaveBeenCalledTimes(1)
    expect(election.leading).toBe(true)
  })

  it('resigned and granted anew at once (parked and back): the end of the old grant does not resign the new one', async () => {
    const { locks, asked } = manualLocks()
    const hooks = { lead: vi.fn(), resigned: vi.fn() }
    const election = lockElection(locks, 'n', hooks, timers, () => 0)
    election.start()
    asked[0]!.grant()
    election.stop()
    election.start()
    asked[1]!.grant()
    for (let i = 0; i < 5; i++) await Promise.resolve() // the first request settles now
    expect(hooks.lead).toHaveBeenCalledTimes(2)
    expect(hooks.resigned).toHaveBeenCalledTimes(1)
    expect(election.leading).toBe(true)
  })
})
