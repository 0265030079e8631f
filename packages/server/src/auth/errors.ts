import { describeValue, ErrorCode, LikewireError } from '../protocol/errors'

/** The realm every challenge names (RFC 6750). */
const REALM = 'Bearer realm="likewire"'

/** A 401 or 403 of the token check, with the `WWW-Authenticate` challenge it answers with (RFC 6750). */
export class AuthError extends LikewireError {
  readonly challenge: string
  /** A 403's refused topics (`notGranted`): a client drops those and asks again for the rest. */
  readonly topics: readonly string[] | undefined

  constructor(
    status: 401 | 403,
    code: ErrorCode,
    message: string,
    challenge: string,
    topics?: readonly string[],
  ) {
    super(status, code, message)
    this.challenge = challenge
    this.topics = topics
  }

  override toJSON(): { error: { code: ErrorCode; message: string; topics?: readonly string[] } } {
    const { error } = super.toJSON()
    return { error: this.topics ? { ...error, topics: this.topics } : error }
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

/** How many refused topics a 403's message names; its `topics` field lists them all. */
const NAMED_IN_MESSAGE = 5

/** Topics the token (or the authorize hook) does not grant, in the request's order. */
export const notGranted = (topics: readonly string[]) => {
  const named = topics.slice(0, NAMED_IN_MESSAGE).map(describeValue).join(', ')
  const more = topics.length > NAMED_IN_MESSAGE ? ` and ${topics.length - NAMED_IN_MESSAGE} more` : ''
  return new AuthError(
    403,
    ErrorCode.forbidden,
    `Not allowed to subscribe to ${named}${more}`,
    `${REALM}, error="insufficient_scope"`,
    topics,
  )
}

/** The `WWW-Authenticate` value of an error answer, if it takes one: every 401 and 403. */
export function challengeOf(error: LikewireError): string | undefined {
  if (error instanceof AuthError) return error.challenge
  // what a hook may throw itself: the same challenges by code
  if (error.code === ErrorCode.tokenExpired) return expiredToken().challenge
  if (error.status === 403) return notGranted([]).challenge
  return error.status === 401 ? REALM : undefined
}
