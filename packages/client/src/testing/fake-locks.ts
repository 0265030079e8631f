import type { LockManagerLike } from '../share/election'

/**
 * The Web Locks API's exclusive mode, in memory, for tabs simulated in one process (Node has no
 * navigator.locks before 22): requests wait in order, `signal` aborts a waiting one, `steal` takes the
 * lock from its holder (whose request then rejects with an AbortError), and `crash` drops a holder's lock
 * as a browser does for a closed or crashed tab. `grantDelayMs` hands a released lock to the next request
 * that much later, as a browser does across processes (Chromium: a closing tab's last channel message
 * arrives before the next tab is granted the lock).
 */
export function fakeLocks({ grantDelayMs = 0 }: { grantDelayMs?: number } = {}): LockManagerLike & {
  holders(): number
  crash(index?: number): void
} {
  type Waiter = { callback: () => Promise<void>; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  const queues = new Map<string, Waiter[]>()
  const held = new Map<string, Waiter>()
  const abort = () => Object.assign(new Error('The lock request was aborted'), { name: 'AbortError' })
  const grant = (name: string) => {
    if (held.has(name)) return
    const next = queues.get(name)?.shift()
    if (!next) return
    held.set(name, next)
    next.callback().then(
      (value) => release(name, next, () => next.resolve(value)),
      (error) => release(name, next, () => next.reject(error)),
    )
  }
  const release = (name: string, waiter: Waiter, settle: () => void) => {
    if (held.get(name) !== waiter) return // stolen or crashed meanwhile: settled already
    held.delete(name)
    settle()
    grantLater(name)
  }
  const grantLater = (name: string) => {
    if (grantDelayMs > 0) setTimeout(() => grant(name), grantDelayMs)
    else grant(name)
  }
  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { callback, resolve, reject }
        if (options.steal) {
          const holder = held.get(name)
          held.delete(name)
          holder?.reject(abort())
          queues.set(name, [waiter, ...(queues.get(name) ?? [])])
        } else {
          if (options.signal?.aborted) return reject(abort())
          options.signal?.addEventListener('abort', () => {
            const queue = queues.get(name) ?? []
            const at = queue.indexOf(waiter)
            if (at >= 0) {
              queue.splice(at, 1)
              reject(abort())
            }
          })
          queues.set(name, [...(queues.get(name) ?? []), waiter])
        }
        queueMicrotask(() => grant(name))
      })
    },
    holders: () => held.size,
    crash() {
      for (const [name, waiter] of held) {
        held.delete(name)
        waiter.reject(abort())
        grantLater(name)
      }
    },
  }
}
