// Where a fuzzed token goes in a connect request, and the answer the request must get.
import fc from 'fast-check'
import { expect } from 'vitest'
import type { Running } from '../helpers'
import { granted, isMember, type Tok, validTopic } from './auth-tokens'
import type { FuzzRequest, FuzzResponse } from './http'
import { CODES, documented } from './setup'

export const ORIGIN = 'https://app.example'
export const REALM = 'Bearer realm="likewire"'

export type Placement = 'header' | 'header-odd' | 'query' | 'both' | 'twice' | 'none' | 'basic'
export const placementArb = fc.constantFrom<Placement>(
  'header',
  'header',
  'header-odd',
  'query',
  'query',
  'both',
  'twice',
  'none',
  'basic',
)

export interface Case {
  tok: Tok
  placement: Placement
  topics: string[]
  method: string
  via: FuzzRequest['via']
  origin: string | undefined
  req: FuzzRequest
}

export function buildCase(c: Omit<Case, 'req'>): Case {
  const headers: Array<[string, string]> = []
  const params: string[] = []
  const t = c.tok.text
  if (c.placement === 'header' || c.placement === 'both') headers.push(['Authorization', `Bearer ${t}`])
  if (c.placement === 'header-odd') headers.push(['authorization', `bearer   ${t}`])
  if (c.placement === 'basic')
    headers.push(['Authorization', `Basic ${Buffer.from(`ann:${t}`).toString('base64')}`])
  if (c.placement === 'query' || c.placement === 'both' || c.placement === 'twice')
    params.push(`access_token=${encodeURIComponent(t)}`)
  if (c.placement === 'twice') params.push(`access_token=${encodeURIComponent(t)}`)
  if (c.topics.length > 0) params.push(`topics=${c.topics.map(encodeURIComponent).join(',')}`)
  if (c.origin !== undefined) headers.push(['Origin', c.origin])
  const target = `/v1/connect${params.length > 0 ? `?${params.join('&')}` : ''}`
  const req: FuzzRequest = { via: c.via, method: c.method, target, headers }
  return Object.defineProperty({ ...c, req }, fc.toStringMethod, { value: () => summary({ ...c, req }) })
}

export function summary(c: Case): string {
  return JSON.stringify({
    kind: c.tok.kind,
    token: c.tok.text.length > 200 ? `${c.tok.text.slice(0, 200)}...(${c.tok.text.length})` : c.tok.text,
    sub: c.tok.sub,
    claim: c.tok.claim,
    placement: c.placement,
    topics: c.topics,
    method: c.method,
    via: c.via,
    origin: c.origin,
  })
}

/** The answer a connect case must get, when the generator's knowledge makes it certain. */
export function expected(
  c: Case,
  cors: boolean,
): { status: number; code?: string; challenge?: string; topics?: string[] } | undefined {
  if (c.method === 'HEAD' || c.method === 'POST') return { status: 405, code: 'method_not_allowed' }
  const { tok, placement } = c
  const given = tok.text.trim() !== ''
  // (a blank token in the header counts as none; in the query only an empty one does)
  const inHeader = placement === 'header' || placement === 'both' || placement === 'header-odd'
  const inQuery = placement === 'query' || placement === 'both' || placement === 'twice'
  const headerToken = inHeader && given
  const queryTokens = inQuery && tok.text !== '' ? (placement === 'twice' ? 2 : 1) : 0
  if ((headerToken ? 1 : 0) + queryTokens > 1) return { status: 400, code: 'invalid_request' }
  if (!headerToken && queryTokens === 0) return { status: 401, code: 'unauthorized', challenge: REALM }
  const invalid = { status: 401, code: 'unauthorized', challenge: `${REALM}, error="invalid_token"` }
  // a token in the query is decoded back exactly; in a header, HTTP trims its ends
  if (tok.text.length > 8192) return invalid
  if (['wrong-alg', 'other-key', 'not-yet', 'wrong-iss', 'wrong-aud', 'garbage', 'huge'].includes(tok.kind))
    return invalid
  if (tok.kind === 'expired')
    return {
      status: 401,
      code: 'token_expired',
      challenge: `${REALM}, error="invalid_token", error_description="token expired"`,
    }
  if (tok.kind === 'mutated') return undefined // a flipped padding bit may still verify: no certainty
  if (!isMember(tok.sub)) return invalid
  const claim = tok.claim
  if (claim !== undefined && !(Array.isArray(claim) && claim.every((t) => typeof t === 'string')))
    return invalid
  // `?topics=` with an empty value is no topics at all; an empty item in a longer list is invalid
  const topics = c.topics.length === 1 && c.topics[0] === '' ? [] : c.topics
  if (!topics.every(validTopic)) return { status: 400, code: 'invalid_topic' }
  // a 403 names every topic the claim refuses, else the hook's first refusal (it is asked no further)
  const byClaim = topics.filter((t) => !granted((claim as string[] | undefined) ?? null, t))
  const refused = byClaim.length > 0 ? byClaim : topics.filter((t) => t.startsWith('forbidden')).slice(0, 1)
  void cors
  return refused.length === 0 ? { status: 200 } : { status: 403, code: 'forbidden', topics: refused }
}

export interface Ctx {
  running: Running
  cors: boolean
  seen: Map<string, number>
}
export const bump = (ctx: Ctx, key: string) => ctx.seen.set(key, (ctx.seen.get(key) ?? 0) + 1)

export function check(ctx: Ctx, c: Case, res: FuzzResponse): void {
  const where = `${summary(c)}\n -> ${res.kind} ${res.status} ${res.body.toString('utf8').slice(0, 300)}`
  expect(res.kind, `hung or dropped: ${where}`).toBe('answer')
  expect(res.status, `a 5xx: ${where}`).toBeLessThan(500)
  const headerBytes =
    c.req.target.length + c.req.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0)
  if (res.status === 431) {
    // past Node's 16 KiB of headers: Node refuses it before Likewire sees it
    expect(headerBytes, where).toBeGreaterThan(15_000)
    bump(ctx, 'status 431 (Node)')
    return
  }
  bump(ctx, `status ${res.status}`)
  const want = expected(c, ctx.cors)
  if (want) expect(res.status, `expected ${JSON.stringify(want)}: ${where}`).toBe(want.status)
  const allow = res.headers['access-control-allow-origin']
  if (ctx.cors && c.origin === ORIGIN) expect(allow, `no CORS: ${where}`).toBe(ORIGIN)
  else expect(allow, `CORS granted: ${where}`).toBeUndefined()
  if (res.status === 200) {
    expect(res.stream, where).toMatch(/^retry: \d+\n\nevent: likewire\.connected\n/)
    // a stream opens only for a token that verifies with a member and grants every topic asked
    expect(['valid', 'hostile', 'mutated'], where).toContain(c.tok.kind)
    expect(isMember(c.tok.sub), where).toBe(true)
    bump(ctx, `stream (${c.tok.kind})`)
    return
  }
  if (c.method === 'HEAD') return
  const body = JSON.parse(res.body.toString('utf8'))
  expect(Object.keys(body), where).toEqual(['error'])
  expect(CODES, `code not in ErrorCode: ${where}`).toContain(body.error.code)
  expect(res.status, `status of ${body.error.code}: ${where}`).toBe(documented.get(body.error.code))
  if (want?.code) expect(body.error.code, where).toBe(want.code)
  if (want?.topics) expect(new Set(body.error.topics), where).toEqual(new Set(want.topics))
  // a message names the check, never the token
  if (c.tok.text.length > 20) expect(body.error.message, where).not.toContain(c.tok.text.slice(-20))
  const challenge = res.headers['www-authenticate']
  if (res.status === 401) expect(challenge, where).toMatch(/^Bearer realm="likewire"/)
  if (res.status === 403) expect(challenge, where).toBe(`${REALM}, error="insufficient_scope"`)
  if (want?.challenge) expect(challenge, where).toBe(want.challenge)
  bump(ctx, `code ${body.error.code}`)
}
