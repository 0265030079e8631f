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
