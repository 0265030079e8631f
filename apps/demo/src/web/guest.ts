import { useSyncExternalStore } from 'react'
import type { GuestProfile, GuestSession } from '../shared/api'
import { isGuestId, nameProblem } from '../shared/rules'
import { postJson, RequestError } from './api'

/**
 * This browser's guest: made by the demo backend on the first visit and kept in localStorage (id, name
 * and the key that lets this browser renew its tokens), so every tab of the browser is the same guest.
 * Tokens live in memory only: the client's `getToken` asks the backend for a fresh one on every connect.
 */

const STORAGE_KEY = 'likewire-demo:guest'
/** Where the demo kept the commenter's name before guests: a returning visitor keeps it. */
const OLD_NAME_KEY = 'likewire-demo:name'
/** Tabs make or renew the guest one at a time, so ten tabs opened at once are one guest. */
const LOCK_NAME = 'likewire-demo:guest'
/** A token is reused for a comment while it has at least this long left. */
const TOKEN_MARGIN_MS = 60_000

interface Saved {
  id: string
  key: string
  name: string
}

function load(): Saved | null {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Saved> | null
    if (isGuestId(saved?.id) && typeof saved.key === 'string' && typeof saved.name === 'string') {
      return { id: saved.id, key: saved.key, name: saved.name }
    }
  } catch {
    // blocked storage or a mangled entry: a new guest
  }
  return null
}

function oldName(): string | undefined {
  try {
    const name = localStorage.getItem(OLD_NAME_KEY)?.trim()
    return name && !nameProblem(name) ? name : undefined
  } catch {
    return undefined
  }
}

let current: GuestProfile | null = null
let token: { value: string; expiresAt: number; guest: GuestProfile } | null = null
const listeners = new Set<() => void>()

/** Shows `next` as the guest: the same object until the id or name changes. */
function show(next: GuestProfile | null): void {
  if (next?.id === current?.id && next?.name === current?.name) return
  current = next
  for (const listener of listeners) listener()
}

/** The saved guest, as another tab may have changed it. */
function refresh(): void {
  const saved = load()
  show(saved ? { id: saved.id, name: saved.name } : null)
}

if (typeof window !== 'undefined') {
  refresh()
  // another tab made, renamed or replaced the guest
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY || event.key === null) refresh()
  })
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  // Web Locks resolve with what `work` resolves to; without them (old browsers) tabs may race, harmlessly
  return locks ? await locks.request(LOCK_NAME, work) : work()
}

/** Asks the backend for a token (renewing this browser's guest, or making one), under the lock. */
const renew = (name?: string): Promise<string> => withLock(() => renewLocked(name))

async function renewLocked(name?: string): Promise<string> {
  const saved = load()
  const wanted = name ?? saved?.name ?? oldName()
  const fresh = () => postJson<GuestSession>('/api/guest', wanted === undefined ? {} : { name: wanted })
  let session: GuestSession
  if (saved) {
    try {
      session = await postJson<GuestSession>('/api/guest', { id: saved.id, key: saved.key, name: wanted })
    } catch (error) {
      // made by a server with another secret (a restart without GUEST_SECRET): a new guest, same name
      if (!(error instanceof RequestError && error.code === 'unknown_guest')) throw error
      session = await fresh()
    }
  } else {
    session = await fresh()
  }
  const profile = session.guest
  try {
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ id: profile.id, key: session.key, name: profile.name }),
    )
  } catch {
    // not kept: this tab is still this guest until it reloads
  }
  show(profile)
  token = { value: session.token, expiresAt: session.expiresAt, guest: profile }
  return session.token
}

/** A token of the current guest with a minute or more left, from memory or the backend. */
async function currentToken(): Promise<string> {
  const held = token
  const fresh =
    held !== null &&
    held.expiresAt - Date.now() > TOKEN_MARGIN_MS &&
    held.guest.id === current?.id &&
    held.guest.name === current?.name
  return fresh ? held.value : renew()
}

export const guest = {
  /** For the client's `getToken`: a new token before every connect (and after an expiry). */
  connectToken: (): Promise<string> => renew(),
  /** Makes sure this browser has a guest (from storage, or made now); tabs wait for each other. */
  async ensure(): Promise<void> {
    if (current) return
    await withLock(async () => {
      refresh()
      if (!current) await renewLocked()
    })
  },
  /** Renames the guest (a new token with the new name; other viewers read names from the backend). */
  rename: async (name: string): Promise<void> => void (await renew(name)),
  /** POSTs as the guest (`Authorization: Bearer`); a token refused as expired or unknown is renewed once. */
  async post<T>(path: string, data: unknown): Promise<T> {
    const send = async () => postJson<T>(path, data, { Authorization: `Bearer ${await currentToken()}` })
    try {
      return await send()
    } catch (error) {
      if (!(error instanceof RequestError && error.status === 401)) throw error
      token = null
      return send()
    }
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  current: (): GuestProfile | null => current,
}

/** This browser's guest, or null until it is known. */
export function useGuest(): GuestProfile | null {
  return useSyncExternalStore(guest.subscribe, guest.current, () => null)
}
