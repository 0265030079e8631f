import { useEffect, useState } from 'react'
import type { GuestNames } from '../shared/api'
import { getJson } from './api'

/** Names read so far, by guest id: shown at once when a member comes back into view. */
const known = new Map<string, string>()
/** Names are read again this often while shown, so a rename shows up. */
const REFRESH_MS = 30_000

const pick = (ids: readonly string[]) =>
  new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id) as string] as const] : [])))

/**
 * The display names of guests (`GET /api/guests`): Likewire's members carry ids only, and names are
 * the demo's business. Read when the ids change and every 30 s while shown; unknown ids are left out.
 */
export function useGuestNames(ids: readonly string[]): ReadonlyMap<string, string> {
  const key = ids.join(' ') // guest ids hold no spaces
  const [names, setNames] = useState(() => pick(ids))

  useEffect(() => {
    const wanted = key === '' ? [] : key.split(' ')
    setNames(pick(wanted))
    if (wanted.length === 0) return
    let cancelled = false
    const query = wanted.map((id) => `id=${encodeURIComponent(id)}`).join('&')
    const read = () =>
      getJson<GuestNames>(`/api/guests?${query}`).then(
        ({ guests }) => {
          for (const guest of guests) known.set(guest.id, guest.name)
          if (!cancelled) setNames(pick(wanted))
        },
        () => {}, // the line counts them without names meanwhile
      )
    void read()
    const timer = setInterval(read, REFRESH_MS)
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [key])
  return names
}
