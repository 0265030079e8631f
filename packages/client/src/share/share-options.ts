import type { LockManagerLike } from './election'
import type { ChannelLike } from './messages'

/** How the tabs of one origin share one stream (see the client README, "Many tabs, one stream"). */
export interface ShareOptions {
  /**
   * Tabs with the same key share one stream; tabs with another key never do. Set it to who the user is
   * (e.g. their id) when each tab gets its own token (`getToken` tokens almost always differ): the leader
   * tab's credentials serve every tab, and a follower's `getToken` is never called. `getToken` without a
   * key warns once (console.warn): the default key is fixed by the first token, so a tab whose user
   * changes would stay in the first user's group. Create a new client when the user changes.
   * @default the URLs, the headers and the `getToken` token resolved when the client starts (so other
   * credentials, another key; credentials that fail then leave the tab on its own)
   */
  key?: string | undefined
  /**
   * Opens the channel tabs talk over.
   * @default name => new BroadcastChannel(name)
   */
  channel?: ((name: string) => ChannelLike) | undefined
  /**
   * The Web Locks API used to elect the leader; `null` uses the fallback (a leader claimed after a silence).
   * @default navigator.locks where it exists, else the fallback
   */
  locks?: LockManagerLike | null | undefined
  /**
   * A new leader gathers the tabs' subscriptions this long before it connects, so one connect resumes every
   * topic from the lowest position any tab saw.
   * @default 150
   */
  collectMs?: number | undefined
  /**
   * No beat from the leader for this long means it is gone: another tab takes over.
   * @default 1500
   */
  leaderTimeoutMs?: number | undefined
}

export interface ResolvedShare {
  key: string | undefined
  channel: (name: string) => ChannelLike
  locks: LockManagerLike | null
  collectMs: number
  leaderTimeoutMs: number
}

export const DEFAULT_COLLECT_MS = 150
export const DEFAULT_LEADER_TIMEOUT_MS = 1500
/** How often the leader beats (and followers say they are alive). */
export const BEAT_MS = 500

/**
 * The share settings, or null when this client keeps its own stream: `share: false`, or by default
 * outside a browser page (no `document`, or no BroadcastChannel: Node, React Native, workers).
 */
export function resolveShare(share: boolean | ShareOptions | undefined): ResolvedShare | null {
  if (share === false) return null
  const g = globalThis as {
    document?: unknown
    BroadcastChannel?: new (name: string) => ChannelLike
    navigator?: { locks?: LockManagerLike }
  }
  const options = typeof share === 'object' ? share : {}
  const Channel = g.BroadcastChannel
  if (share === undefined && (g.document === undefined || !Channel)) return null
  const channel = options.channel ?? (Channel ? (name: string) => new Channel(name) : undefined)
  if (!channel)
    throw new TypeError('likewire: share needs BroadcastChannel; pass share.channel or share: false')
  return {
    key: options.key,
    channel,
    locks: options.locks === undefined ? (g.navigator?.locks ?? null) : options.locks,
    collectMs: options.collectMs ?? DEFAULT_COLLECT_MS,
    leaderTimeoutMs: options.leaderTimeoutMs ?? DEFAULT_LEADER_TIMEOUT_MS,
  }
}

/**
 * The share protocol's version, in every channel and lock name: tabs running builds whose share messages
 * differ (another version) never meet. v2: a tab tells the leader its whole list of subscriptions
 * (`subs`, no more `sub`/`unsub`), a follower's `alive` names its leader and a leader may ask it to
 * `resend`, and deliveries gained `refused`.
 */
export const SHARE_PROTOCOL = 'likewire:v2'

/** A channel name for a share key: the key itself is never put on the channel, only its hash. */
export function channelName(key: string): string {
  // FNV-1a, 32-bit, twice with different seeds: a stable, short name (not a secret: same origin only)
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c, 0x811c9dc5) >>> 0
  }
  return `${SHARE_PROTOCOL}:${a.toString(36)}${b.toString(36)}`
}
