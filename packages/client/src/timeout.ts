import { LikewireError } from './errors'
import type { Timers } from './options'

/**
 * Settles as `work` does, or rejects with a LikewireError of `code` once `ms` have passed: an app's call
 * that never settles (a hung token service) must not hold the client for ever.
 */
export function settleWithin<T>(
  work: () => T | Promise<T>,
  ms: number,
  timers: Timers,
  code: string,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(
      () => reject(new LikewireError(code, `likewire: ${what} did not settle within ${ms} ms`)),
      ms,
    )
    const done = () => timers.clearTimeout(timer)
    try {
      Promise.resolve(work()).then(
        (value) => {
          done()
          resolve(value)
        },
        (error: unknown) => {
          done()
          reject(error)
        },
      )
    } catch (error) {
      done()
      reject(error)
    }
  })
}

/**
 * Runs a request with a signal aborted after `ms`, rejecting then with a LikewireError of `code`: a
 * request whose answer never comes (a stalled proxy, a hung node) is a failure, like a network error.
 */
export function abortAfter<T>(
  request: (signal: AbortSignal | undefined) => Promise<T>,
  ms: number,
  timers: Timers,
  code: string,
  what: string,
): Promise<T> {
  // AbortController exists in browsers, Node and React Native >= 0.60; without it the answer is only ignored
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined
  return settleWithin(() => request(controller?.signal), ms, timers, code, what).catch((error: unknown) => {
    if (error instanceof LikewireError && error.code === code) controller?.abort()
    throw error
  })
}
