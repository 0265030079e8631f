import { randomBytes } from 'node:crypto'

/** Event ids unique per publish across dispatchers: a random per-process prefix and a counter. */
export function createEventIdSource(): () => string {
  const prefix = randomBytes(6).toString('base64url')
  let counter = 0
  return () => `${prefix}${(counter++).toString(36)}`
}
