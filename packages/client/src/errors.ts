/** An error with a stable code: the server's `{"error":{"code"}}` or one of the client's own. */
export class LikewireError extends Error {
  override readonly name = 'LikewireError'

  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the error came from a response. */
    readonly status?: number,
    /** The topic the server refused, when the error is a subscription's (see `SubscribeOptions.onError`). */
    readonly topic?: string,
  ) {
    super(message)
  }
}

/** Reads the server's error code from a JSON error body, or null when it has none. */
export function errorCode(body: string): string | null {
  const code = errorOf(body)?.code
  return typeof code === 'string' ? code : null
}

/** Reads the server's error message from a JSON error body, or null when it has none. */
export function errorMessage(body: string): string | null {
  const message = errorOf(body)?.message
  return typeof message === 'string' ? message : null
}

/**
 * The topics a `403 forbidden` names (`error.topics`: every topic the token's claim refused, else the
 * `authorize` hook's first refusal), or null when it names none (a server before it did, or an `authorize` hook's own error).
 */
export function refusedTopics(body: string): string[] | null {
  const topics = errorOf(body)?.topics
  return Array.isArray(topics) && topics.length > 0 && topics.every((t) => typeof t === 'string')
    ? (topics as string[])
    : null
}

/** The error a subscription gets when the server refused its topic for good. */
export function topicRefusal(topic: string, body: string, status: number): LikewireError {
  const code = errorCode(body) ?? 'http_error'
  const why = errorMessage(body) ?? `answered ${status}`
  return new LikewireError(
    code,
    `likewire: the server refused topic ${JSON.stringify(topic)} (${code}): ${why}`,
    status,
    topic,
  )
}

function errorOf(body: string): { code?: unknown; message?: unknown; topics?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as {
      error?: { code?: unknown; message?: unknown; topics?: unknown }
    } | null
    return typeof parsed?.error === 'object' && parsed.error !== null ? parsed.error : undefined
  } catch {
    return undefined
  }
}

/**
 * A 4xx that a retry would get again: the request itself is refused (a topic not granted, invalid, past
 * the subscription limit, a malformed request). Not 401 (credentials, handled apart), 404 (a connection
 * the server forgot), 408, 409, 425 or 429 (worth another try).
 */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 404, 408, 409, 425, 429].includes(status)
}

/** The topic of a subscription the server refused, if `error` is that. */
export function refusedTopic(error: unknown): string | undefined {
  return error instanceof LikewireError ? error.topic : undefined
}
