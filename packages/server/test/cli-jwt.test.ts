// The --jwt-* flags of the CLI a user runs: tokens verified by the process, bad flags refused with one line.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStream, spawnLikewire } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { cleanups } from './cluster/cleanup'
import { keyPair, SECRET, token } from './tokens'

const dir = mkdtempSync(join(tmpdir(), 'likewire-jwt-'))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function connects(url: string, t?: string): Promise<number> {
  const stream = await openStream(`${url}/v1/connect`, t ? { Authorization: `Bearer ${t}` } : {})
  stream.close()
  return stream.status
}

describe('likewire standalone --jwt-*', () => {
  it('verifies HS256 tokens with LIKEWIRE_JWT_SECRET', async () => {
    const server = await spawnLikewire('standalone', [], { env: { LIKEWIRE_JWT_SECRET: SECRET } })
    cleanups.push(() => server.stop())
    expect(await connects(server.url)).toBe(401)
    expect(await connects(server.url, await token({ sub: 'ann' }))).toBe(200)
  })

  it('verifies RS256 tokens with --jwt-public-key, --jwt-issuer and a --jwt-audience list', async () => {
    const rsa = await keyPair('RS256')
    const args = ['--jwt-public-key', file('rsa.pem', rsa.pem), '--jwt-issuer', 'https://id.example']
    const server = await spawnLikewire('standalone', [...args, '--jwt-audience', 'web, mobile'])
    cleanups.push(() => server.stop())
    const claims = { sub: 'ann', iss: 'https://id.example' }
    expect(await connects(server.url, await token({ ...claims, aud: 'mobile' }, { key: rsa }))).toBe(200)
    expect(await connects(server.url, await token({ ...claims, aud: 'tv' }, { key: rsa }))).toBe(401)
    expect(await connects(server.url, await token({ ...claims, iss: 'x', aud: 'web' }, { key: rsa }))).toBe(
      401,
    )
    const s = await openStream(
      `${server.url}/v1/connect?access_token=${await token({ ...claims, aud: 'web' }, { key: rsa })}`,
    )
    cleanups.push(() => s.close())
    await vi.waitFor(() => s.connectionId())
  })

  it('refuses flags that cannot work with one line naming the flag', async () => {
    const refused: Array<[string[], RegExp]> = [
      [['--jwt-secret', 'short'], /likewire: --jwt-secret: must be at least 32 bytes/],
      [
        ['--jwt-public-key', join(dir, 'missing.pem')],
        /likewire: --jwt-public-key: cannot read ".*missing\.pem": no such file/,
      ],
      [
        ['--jwt-public-key', file('junk.pem', 'junk')],
        /likewire: --jwt-public-key ".*junk\.pem": is not a PEM public key/,
      ],
      [
        ['--jwt-secret', SECRET, '--jwt-public-key', file('k.pem', 'x')],
        /likewire: --jwt-secret and --jwt-public-key are exclusive/,
      ],
      [['--jwt-issuer', 'https://id.example'], /likewire: --jwt-issuer and --jwt-audience need a key/],
    ]
    for (const [args, message] of refused)
      await expect(spawnLikewire('standalone', args)).rejects.toThrow(message)
    // the frontend role checks them too, before it reaches for Redis
    const cluster = ['--redis', 'redis://127.0.0.1:1', '--secret', 'a-secret']
    await expect(spawnLikewire('frontend', [...cluster, '--jwt-secret', 'short'])).rejects.toThrow(
      /likewire: --jwt-secret: must be at least 32 bytes/,
    )
  })
})
