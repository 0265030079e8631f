import { Hono } from 'hono'
import type { GuestNames, GuestSession } from '../shared/api.js'
import { GUEST_NAME_TTL_MS, type Guests, randomName } from './guest.js'
import type { VideoStore } from './store.js'
import { ApiFailure, parseGuestIds, parseGuestRequest, readJson } from './validate.js'

/**
 * The guest routes: `POST /guest` makes a guest or renews its token (the page's `getToken` calls it
 * before every connect), `GET /guests?id=…` tells other viewers their names.
 */
export function guestRoutes(guests: Guests, store: VideoStore) {
  return new Hono()
    .post('/guest', async (c) => {
      const request = parseGuestRequest(await readJson(c))
      const renewal = request.id !== undefined
      if (renewal && !guests.keyMatches(request.id as string, request.key as string)) {
        throw new ApiFailure(
          403,
          'unknown_guest',
          'This guest was not made here (or the server’s GUEST_SECRET changed): start a new guest.',
        )
      }
      const id = request.id ?? guests.newId()
      // a renewal without a name keeps the one it had
      const name =
        request.name ?? (renewal ? (await store.guestNames([id])).get(id) : undefined) ?? randomName()
      await store.saveGuestName(id, name, GUEST_NAME_TTL_MS)
      const session: GuestSession = {
        guest: { id, name },
        key: guests.keyFor(id),
        ...(await guests.issue({ id, name })),
      }
      return c.json(session, renewal ? 200 : 201)
    })
    .get('/guests', async (c) => {
      const ids = parseGuestIds(c.req.queries('id') ?? [])
      const names = await store.guestNames(ids)
      const body: GuestNames = {
        guests: ids.flatMap((id) => {
          const name = names.get(id)
          return name === undefined ? [] : [{ id, name }]
        }),
      }
      return c.json(body)
    })
}
