import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { RealtimeEnv } from './realtime.js'

/** What the demo reads from its environment, checked: see the README's Environment table. */
export interface DemoEnv {
  port: number
  host: string | undefined
  redisUrl: string | undefined
  realtime: RealtimeEnv
  crowd: { likesPerSecond?: number; durationMs?: number }
  /** `GUEST_SECRET`: signs guest tokens (at least 32 bytes); unset, see `guestSecret`. */
  guestSecret: string | undefined
  /** `PRESENCE_GRACE_MS`: Likewire's presence grace; unset, Likewire's default (60 s). */
  presenceGraceMs: number | undefined
  /** `TLS_CERT` and `TLS_KEY`, read: the demo serves HTTPS (HTTP/2, with HTTP/1.1 fallback). */
  tls: { cert: Buffer; key: Buffer } | undefined
}

/** A malformed variable: main.ts prints its message as one line and exits 1. */
export class EnvError extends Error {}

/** Reads and checks the demo's environment; throws an EnvError naming the first bad variable. */
export function readDemoEnv(env: NodeJS.ProcessEnv): DemoEnv {
  // an empty variable counts as unset, as `PORT= npm start` means "the default" to a shell user
  const get = (name: string) => (env[name] === '' ? undefined : env[name])
  const redisUrl = get('REDIS_URL')
  if (redisUrl !== undefined) url('REDIS_URL', redisUrl, ['redis:', 'rediss:'])
  const publicUrl = get('PUBLIC_URL')
  if (publicUrl !== undefined) url('PUBLIC_URL', publicUrl, ['http:', 'https:'])
  const dispatcherUrls = get('DISPATCHER_URLS')
  for (const item of (dispatcherUrls ?? '').split(',').map((s) => s.trim())) {
    if (item) url('DISPATCHER_URLS', item, ['http:', 'https:'])
  }
  const likesPerSecond = number('CROWD_LIKES_PER_SECOND', get('CROWD_LIKES_PER_SECOND'), { integer: false })
  const durationMs = number('CROWD_DURATION_MS', get('CROWD_DURATION_MS'), { integer: true })
  const guestSecret = get('GUEST_SECRET')
  if (guestSecret !== undefined && Buffer.byteLength(guestSecret) < MIN_GUEST_SECRET_BYTES) {
    // not shown back: it is a secret
    throw new EnvError(
      `GUEST_SECRET must be at least ${MIN_GUEST_SECRET_BYTES} bytes (it signs HS256 tokens), not ${Buffer.byteLength(guestSecret)}`,
    )
  }
  return {
    port: port(get('PORT')),
    host: get('HOST'),
    redisUrl,
    realtime: {
      REDIS_URL: redisUrl,
      LIKEWIRE_SECRET: get('LIKEWIRE_SECRET'),
      LIKEWIRE_API_KEY: get('LIKEWIRE_API_KEY'),
      DISPATCHER_URLS: dispatcherUrls,
      PUBLIC_URL: publicUrl,
    },
    crowd: {
      ...(likesPerSecond === undefined ? {} : { likesPerSecond }),
      ...(durationMs === undefined ? {} : { durationMs }),
    },
    tls: tls(get('TLS_CERT'), get('TLS_KEY')),
    guestSecret,
    presenceGraceMs: graceMs(get('PRESENCE_GRACE_MS')),
  }
}

/** HS256 wants a key no shorter than its hash (RFC 7518); Likewire refuses shorter ones too. */
const MIN_GUEST_SECRET_BYTES = 32
/** Likewire's bound on `presence.graceMs` (a day). */
const MAX_GRACE_MS = 86_400_000

function graceMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!/^\d+$/.test(value.trim()) || parsed > MAX_GRACE_MS) {
    throw new EnvError(
      `PRESENCE_GRACE_MS must be a whole number from 0 to ${MAX_GRACE_MS}, not ${show(value)}`,
    )
  }
  return parsed
}

/** Both files or neither; each readable; together a certificate and its key. */
function tls(certFile: string | undefined, keyFile: string | undefined): DemoEnv['tls'] {
  if (certFile === undefined && keyFile === undefined) return undefined
  if (certFile === undefined || keyFile === undefined) {
    throw new EnvError('TLS_CERT and TLS_KEY go together: set both for HTTPS, or neither for plain HTTP')
  }
  const pair = { cert: pem('TLS_CERT', certFile), key: pem('TLS_KEY', keyFile) }
  try {
    createSecureContext(pair)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new EnvError(`TLS_CERT and TLS_KEY are not a PEM certificate and its key: ${reason}`)
  }
  return pair
}

function pem(name: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code)
    throw new EnvError(`${name} must be a readable PEM file, cannot read ${show(file)}: ${reason}`)
  }
}

function port(value: string | undefined): number {
  if (value === undefined) return 3000
  const parsed = Number(value)
  if (!/^\d+$/.test(value.trim()) || parsed > 65_535) {
    throw new EnvError(`PORT must be a whole number from 0 to 65535 (0 picks a free one), not ${show(value)}`)
  }
  return parsed
}

function number(name: string, value: string | undefined, { integer }: { integer: boolean }) {
  if (value === undefined) return undefined
  const parsed = Number(value)
  const ok = value.trim() !== '' && Number.isFinite(parsed) && parsed > 0
  if (!ok || (integer && !Number.isInteger(parsed))) {
    throw new EnvError(`${name} must be a ${integer ? 'whole ' : ''}number above 0, not ${show(value)}`)
  }
  return parsed
}

function url(name: string, value: string, protocols: string[]): void {
  const expected = protocols.map((p) => `${p}//`).join(' or ')
  if (!URL.canParse(value))
    throw new EnvError(`${name} must be a URL starting with ${expected}, not ${show(value)}`)
  // only the protocol is shown back: the rest of a URL may hold a password
  const { protocol } = new URL(value)
  if (!protocols.includes(protocol)) {
    throw new EnvError(`${name} must be a URL starting with ${expected}, not one starting with ${protocol}`)
  }
}

/** The bad value quoted, cut short: a pasted secret or a long mistake stays readable on one line. */
const show = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
