import { ErrorCode, LikewireError } from '../protocol/errors'
import { bearerToken, isBearer } from './bearer'
import { invalidToken, missingToken } from './errors'
import { MAX_TOKEN_LENGTH } from './jwt'

/** Where a connect request may carry its token. */
export interface TokenSources {
  /** The `Authorization` header, as sent. */
  authorization: string | undefined
  /** Every `access_token` query parameter, decoded (plain EventSource cannot set headers). */
  accessTokens: readonly string[]
}

/**
 * The one token of a connect request: `Authorization: Bearer <token>` or `?access_token=<token>`.
 * Missing (or another scheme) is 401 unauthorized; given twice is 400 invalid_request (RFC 6750: one
 * method per request), so a request never carries two tokens of which one is silently ignored.
 */
export function tokenOf(sources: TokenSources): string {
  const { authorization, accessTokens } = sources
  const bearer = isBearer(authorization)
  // checked before the header is read: a huge header is refused whatever it holds
  if (bearer && authorization.length > MAX_TOKEN_LENGTH + 64)
    throw invalidToken(`longer than ${MAX_TOKEN_LENGTH} characters`)
  const fromHeader = bearer ? bearerToken(authorization) : undefined
  const given = [...(fromHeader ? [fromHeader] : []), ...accessTokens.filter((token) => token !== '')]
  if (given.length > 1)
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      'Send one token: in Authorization: Bearer or in one access_token parameter, not both or twice',
    )
  if (given.length === 0) throw missingToken()
  return given[0]!
}
