import { describeValue, ErrorCode, LikewireError } from '../protocol/errors'

/** The realm every challenge names (RFC 6750). */
const REALM = 'Bearer realm="likewire"'

/** A 401 or 403 of the token check, with the `WWW-Authenticate` challenge it answers with (RFC 6750). */
export class AuthError extends LikewireError {
  readonly challenge: string

  constructor(status: 401 | 403, code: ErrorCode, message: string, challenge: string) {
    super(status, code, message)
    this.challenge = challenge
  }
}

/** No token at all (or another scheme than Bearer): the challenge names the scheme, no error. */
export const missingToken = () =>
  new AuthError(
    401,
    ErrorCode.unauthorized,
    'A token is required: Authorization: Bearer <token>, or the access_token query parameter',
    REALM,
  )

/** A token was given and refused; `why` names the check, never the token. */
export const invalidToken = (why: string) =>
  new AuthError(401, ErrorCode.unauthorized, `Invalid token: ${why}`, `${REALM}, error="invalid_token"`)

export const expiredToken = () =>
  new AuthError(
    401,
    ErrorCode.tokenExpired,
    'The token has expired: get a fresh one and connect again',
    `${REALM}, error="invalid_token", error_description="token expired"`,
  )

/** A topic the token (or the authorize hook) does not grant. */
export const notGranted = (topic: string) =>
  new AuthError(
    403,
    ErrorCode.forbidden,
    `Not allowed to subscribe to ${describeValue(topic)}`,
    `${REALM}, error="insufficient_scope"`,
  )

/** The `WWW-Authenticate` value of an error answer, if it takes one: every 401 and 403. */
export function challengeOf(error: LikewireError): string | undefined {
  if (error instanceof AuthError) return error.challenge
  // what a hook may throw itself: the same challenges by code
  if (error.code === ErrorCode.tokenExpired) return expiredToken().challenge
  if (error.status === 403) return notGranted('').challenge
  return error.status === 401 ? REALM : undefined
}
