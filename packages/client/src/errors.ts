/** An error with a stable code: the server's `{"error":{"code"}}` or one of the client's own. */
export class LikewireError extends Error {
  override readonly name = 'LikewireError'

  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the error came from a response. */
    readonly status?: number,
  ) {
    super(message)
  }
}

/** Reads the server's error code from a JSON error body, or null when it has none. */
export function errorCode(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } } | null
    const code = parsed?.error?.code
    return typeof code === 'string' ? code : null
  } catch {
    return null
  }
}
