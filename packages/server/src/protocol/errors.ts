/** Stable error codes of protocol v1: clients branch on these, never on messages. */
export const ErrorCode = {
  invalidJson: 'invalid_json',
  jsonTooDeep: 'json_too_deep',
  invalidRequest: 'invalid_request',
  invalidTopic: 'invalid_topic',
  payloadTooLarge: 'payload_too_large',
  unknownConnection: 'unknown_connection',
  unauthorized: 'unauthorized',
  /** The connect's token (JWT) has expired: get a fresh one and connect again. */
  tokenExpired: 'token_expired',
  forbidden: 'forbidden',
  tooManySubscriptions: 'too_many_subscriptions',
  tooManyConnections: 'too_many_connections',
  unavailable: 'unavailable',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  unsupportedMediaType: 'unsupported_media_type',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 503

/** An error that maps to one HTTP status and one stable code on the wire. */
export class LikewireError extends Error {
  readonly code: ErrorCode
  readonly status: ErrorStatus

  constructor(status: ErrorStatus, code: ErrorCode, message: string) {
    super(message)
    this.name = 'LikewireError'
    this.status = status
    this.code = code
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}

export const invalidTopic = (topic: unknown, why: string) =>
  new LikewireError(400, ErrorCode.invalidTopic, `Invalid topic ${describeValue(topic)}: ${why}`)

/** Names a value in a message without serializing it whole: it may be huge or nested past any stack. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 80
      ? `${JSON.stringify(value.slice(0, 80))}... (${value.length} chars)`
      : JSON.stringify(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

export const unavailable = (message: string) => new LikewireError(503, ErrorCode.unavailable, message)
