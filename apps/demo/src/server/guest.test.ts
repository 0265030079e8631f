import { describe, expect, it } from 'vitest'
import { createGuests, guestSecret } from './guest.js'

describe('guestSecret', () => {
  it('is GUEST_SECRET when set, whatever else is', () => {
    const secret = 'g'.repeat(40)
    expect(guestSecret({ GUEST_SECRET: secret, LIKEWIRE_SECRET: 'cluster' })).toBe(secret)
  })

  it('in a cluster, derives one from LIKEWIRE_SECRET: the same on every process, never the cluster secret itself', () => {
    const derived = guestSecret({ LIKEWIRE_SECRET: 'local-cluster-secret' })
    expect(guestSecret({ LIKEWIRE_SECRET: 'local-cluster-secret' })).toBe(derived)
    expect(derived).not.toContain('local-cluster-secret')
    expect(Buffer.byteLength(derived)).toBeGreaterThanOrEqual(32)
    expect(guestSecret({ LIKEWIRE_SECRET: 'another-cluster' })).not.toBe(derived)
  })

  it('otherwise is random per process (32 bytes)', () => {
    const one = guestSecret({})
    expect(Buffer.from(one, 'base64url')).toHaveLength(32)
    expect(guestSecret({})).not.toBe(one)
  })
})

describe('createGuests', () => {
  const guests = createGuests({ secret: 's'.repeat(32) })

  it('makes random guest ids of 128 bits', () => {
    const ids = new Set(Array.from({ length: 100 }, () => guests.newId()))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(/^guest:[A-Za-z0-9_-]{22}$/)
  })

  it('gives each id its own key, which only this secret makes', () => {
    const id = guests.newId()
    const key = guests.keyFor(id)
    expect(guests.keyMatches(id, key)).toBe(true)
    expect(guests.keyMatches(guests.newId(), key)).toBe(false)
    expect(guests.keyMatches(id, key.slice(0, -1))).toBe(false)
    expect(guests.keyMatches(id, `${key}x`)).toBe(false)
    expect(createGuests({ secret: 't'.repeat(32) }).keyMatches(id, key)).toBe(false)
  })

  it('reads a token from Authorization: Bearer only, and gives back its guest', async () => {
    const { token } = await guests.issue({ id: 'guest:AAAAAAAAAAAAAAAAAAAAAA', name: 'Ann' })
    expect(await guests.verify(`Bearer ${token}`)).toEqual({
      id: 'guest:AAAAAAAAAAAAAAAAAAAAAA',
      name: 'Ann',
    })
    expect(await guests.verify(`bearer   ${token} `)).toMatchObject({ name: 'Ann' })
    for (const header of [undefined, '', token, `Token ${token}`, `Bearer ${token} extra`]) {
      await expect(guests.verify(header)).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
    }
  })
})
