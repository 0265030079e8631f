/**
 * Who is who in the presence scenario, the same in the parent and in every worker: member `m<i>`
 * (i < members) and its presence topic; watcher w (w < watchers) watches two halves of the members
 * so that every member has exactly WATCHERS_PER_MEMBER watchers, on different connections.
 */

/** Each member's presence is watched by this many watcher connections. */
export const WATCHERS_PER_MEMBER = 2

/** The server's per-connection subscription limit (`maxSubscriptionsPerConnection`, no CLI flag). */
export const TOPICS_PER_WATCHER = 100

export const memberId = (index: number) => `m${index}`

/** The member index of `m<i>`; -1 for any other id (a watcher's own id, say). */
export function memberIndex(id: string): number {
  if (id.charCodeAt(0) !== 0x6d) return -1
  const index = Number(id.slice(1))
  return Number.isInteger(index) && index >= 0 ? index : -1
}

/** `member:<escaped id>/$presence`: `m<i>` needs no escaping. */
export const presenceTopic = (index: number) => `member:${memberId(index)}/$presence`

/** Watcher connections for `members`: enough to stay within the subscription limit, at least 4. */
export const watchersFor = (members: number) =>
  Math.max(4, Math.ceil((members * WATCHERS_PER_MEMBER) / TOPICS_PER_WATCHER))

/** The two watchers of member m: `m mod W` and `(m + W/2) mod W` (never the same one). */
export function watchersOf(member: number, watchers: number): [number, number] {
  const half = Math.floor(watchers / 2)
  return [member % watchers, (member + half) % watchers]
}

/** The members watcher w watches (the inverse of watchersOf), ascending. */
export function watchedBy(watcher: number, members: number, watchers: number): number[] {
  const half = Math.floor(watchers / 2)
  const out: number[] = []
  for (const start of [watcher, (watcher - half + watchers) % watchers])
    for (let m = start; m < members; m += watchers) out.push(m)
  return out.sort((a, b) => a - b)
}
