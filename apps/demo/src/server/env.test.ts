import { tmpdir } from 'node:os'
import { type Certificate, selfSignedCertificate } from '@likewire/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnvError, readDemoEnv } from './env.js'

describe('readDemoEnv', () => {
  it('defaults: port 3000, embedded, no crowd overrides; an empty variable counts as unset', () => {
    for (const env of [{}, { PORT: '', REDIS_URL: '', CROWD_DURATION_MS: '' }]) {
      const config = readDemoEnv(env)
      expect(config.port).toBe(3000)
      expect(config.redisUrl).toBeUndefined()
      expect(config.realtime.REDIS_URL).toBeUndefined()
      expect(config.crowd).toEqual({})
    }
  })

  it('reads good values', () => {
    const config = readDemoEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://:secret@127.0.0.1:6380/2',
      LIKEWIRE_SECRET: 's',
      DISPATCHER_URLS: 'http://127.0.0.1:4001, https://d.example',
      PUBLIC_URL: 'http://10.0.0.5:3000',
      CROWD_LIKES_PER_SECOND: '12.5',
      CROWD_DURATION_MS: '5000',
    })
    expect(config.port).toBe(0)
    expect(config.host).toBe('127.0.0.1')
    expect(config.redisUrl).toBe('redis://:secret@127.0.0.1:6380/2')
    expect(config.realtime.PUBLIC_URL).toBe('http://10.0.0.5:3000')
    expect(config.crowd).toEqual({ likesPerSecond: 12.5, durationMs: 5000 })
    expect(readDemoEnv({ PORT: '65535' }).port).toBe(65_535)
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535 (0 picks a free one), not "abc"'],
    [{ PORT: '65536' }, 'PORT must be a whole number from 0 to 65535 (0 picks a free one), not "65536"'],
    [{ PORT: '-1' }, 'PORT must be a whole number'],
    [{ PORT: '80.5' }, 'PORT must be a whole number'],
    [{ PORT: '1e3' }, 'PORT must be a whole number'],
    [{ CROWD_LIKES_PER_SECOND: 'lots' }, 'CROWD_LIKES_PER_SECOND must be a number above 0, not "lots"'],
    [{ CROWD_LIKES_PER_SECOND: '-5' }, 'CROWD_LIKES_PER_SECOND must be a number above 0'],
    [{ CROWD_DURATION_MS: '0' }, 'CROWD_DURATION_MS must be a whole number above 0, not "0"'],
    [{ CROWD_DURATION_MS: '1.5' }, 'CROWD_DURATION_MS must be a whole number above 0'],
    [
      { REDIS_URL: 'nonsense' },
      'REDIS_URL must be a URL starting with redis:// or rediss://, not "nonsense"',
    ],
    [
      { REDIS_URL: 'http://user:hunter2@example.com' },
      'REDIS_URL must be a URL starting with redis:// or rediss://, not one starting with http:',
    ],
    [{ PUBLIC_URL: 'example.com:3000' }, 'PUBLIC_URL must be a URL starting with http:// or https://'],
    [{ DISPATCHER_URLS: 'http://ok:1,not a url' }, 'DISPATCHER_URLS must be a URL starting with http://'],
    [
      { PRESENCE_GRACE_MS: 'soon' },
      'PRESENCE_GRACE_MS must be a whole number from 0 to 86400000, not "soon"',
    ],
    [{ PRESENCE_GRACE_MS: '-1' }, 'PRESENCE_GRACE_MS must be a whole number'],
    [{ PRESENCE_GRACE_MS: '1.5' }, 'PRESENCE_GRACE_MS must be a whole number'],
    [{ PRESENCE_GRACE_MS: '86400001' }, 'PRESENCE_GRACE_MS must be a whole number from 0 to 86400000'],
    [{ GUEST_SECRET: 'short' }, 'GUEST_SECRET must be at least 32 bytes (it signs HS256 tokens), not 5'],
  ])('rejects %j', (env, message) => {
    expect(() => readDemoEnv(env)).toThrow(EnvError)
    expect(() => readDemoEnv(env)).toThrow(message)
  })

  it('never echoes a password from a URL it rejects, nor a guest secret', () => {
    expect(() => readDemoEnv({ REDIS_URL: 'http://user:hunter2@example.com' })).not.toThrow(/hunter2/)
    expect(() => readDemoEnv({ GUEST_SECRET: 'hunter2' })).not.toThrow(/hunter2/)
  })

  it('reads the guest secret and the presence grace; unset, the defaults decide (guest.ts, Likewire)', () => {
    const secret = 'a guest secret of thirty-two bytes!'
    expect(readDemoEnv({ GUEST_SECRET: secret, PRESENCE_GRACE_MS: '1500' })).toMatchObject({
      guestSecret: secret,
      presenceGraceMs: 1500,
    })
    expect(readDemoEnv({ PRESENCE_GRACE_MS: '0' }).presenceGraceMs).toBe(0)
    expect(readDemoEnv({ GUEST_SECRET: '', PRESENCE_GRACE_MS: '' })).toMatchObject({
      guestSecret: undefined,
      presenceGraceMs: undefined,
    })
  })

  describe('TLS_CERT and TLS_KEY', () => {
    let certificate: Certificate
    beforeAll(() => {
      certificate = selfSignedCertificate()
    })
    afterAll(() => certificate.remove())

    it('reads both files: the demo serves HTTPS', () => {
      const { tls } = readDemoEnv({ TLS_CERT: certificate.certFile, TLS_KEY: certificate.keyFile })
      expect(tls?.cert.toString()).toBe(certificate.cert)
      expect(tls?.key.toString()).toBe(certificate.key)
      expect(readDemoEnv({}).tls).toBeUndefined()
    })

    it('rejects one without the other, an unreadable file and a pair that is no certificate and key', () => {
      const pair = 'TLS_CERT and TLS_KEY go together: set both for HTTPS, or neither for plain HTTP'
      expect(() => readDemoEnv({ TLS_CERT: certificate.certFile })).toThrow(pair)
      expect(() => readDemoEnv({ TLS_KEY: certificate.keyFile, TLS_CERT: '' })).toThrow(pair)
      expect(() => readDemoEnv({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: certificate.keyFile })).toThrow(
        'TLS_CERT must be a readable PEM file, cannot read "/nonexistent/cert.pem": no such file',
      )
      expect(() => readDemoEnv({ TLS_CERT: certificate.certFile, TLS_KEY: tmpdir() })).toThrow(
        `TLS_KEY must be a readable PEM file, cannot read ${JSON.stringify(tmpdir())}: it is a directory`,
      )
      const swapped = { TLS_CERT: certificate.keyFile, TLS_KEY: certificate.certFile }
      expect(() => readDemoEnv(swapped)).toThrow(EnvError)
      expect(() => readDemoEnv(swapped)).toThrow(
        /^TLS_CERT and TLS_KEY are not a PEM certificate and its key: /,
      )
    })
  })
})
