import type { LikewireOptions } from '../options'
import { notGranted } from './errors'
import { grants } from './grants'
import { authenticateHook, firstRefusedByHook } from './hooks'
import { createJwtVerifier, tokenTerms } from './jwt'
import { type TokenSources, tokenOf } from './token'

/** A connect request as authentication sees it. */
export interface ConnectRequest extends TokenSources {
  /** The request itself, for an `authenticate` hook (built only when a hook asks). */
  request(): Request
}

/** Who may connect and what they may subscribe to: built-in JWT verification, or the hooks. */
export interface Auth {
  /** The identity of a connect request, or a 401 (400 for a token given twice). */
  authenticate(request: ConnectRequest): Promise<unknown>
  /**
   * Throws 403 forbidden unless every topic is granted to `identity` (token `topics` claim, then the hook).
   * The error names what it refused: every topic the claim refuses, else the hook's first refusal; a
   * client drops those and asks again for the rest.
   */
  authorize(identity: unknown, topics: readonly string[]): Promise<void>
}

type AuthSettings = Pick<LikewireOptions, 'auth' | 'authenticate' | 'authorize'>

/** The node's Auth; a configuration that cannot work is refused here, when the node is created. */
export function createAuth(options: AuthSettings): Auth {
  const jwt = options.auth?.jwt
  if (options.auth !== undefined && (typeof options.auth !== 'object' || options.auth === null))
    throw new Error('auth must be an object: { jwt: { secret | publicKey | jwksUrl, issuer?, audience? } }')
  if (jwt !== undefined && options.authenticate)
    throw new Error(
      'auth.jwt and the authenticate hook cannot both be set: one decides who connects (keep authorize for topic rules)',
    )
  const verify = jwt === undefined ? undefined : createJwtVerifier(jwt)
  return {
    authenticate: verify
      ? (request) => verify(tokenOf(request))
      : (request) => authenticateHook(options, options.authenticate ? request.request() : undefined),
    async authorize(identity, topics) {
      const granted = tokenTerms(identity)?.topics
      // the claim is cheap to check: every topic it refuses is named
      const byToken = granted ? topics.filter((topic) => !grants(granted, topic)) : []
      if (byToken.length > 0) throw notGranted(byToken)
      // the hook may be a database lookup: asked until its first refusal, as many times as ever
      const byHook = await firstRefusedByHook(options, identity, topics)
      if (byHook !== undefined) throw notGranted([byHook])
    },
  }
}
