import type { ApiError } from '../shared/api'

/** A failed API call, with the server's stable error code. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** An API call that has not answered by then is given up (a network that swallows requests). */
const REQUEST_TIMEOUT_MS = 15_000

async function request<T>(path: string, init?: RequestInit, headers?: Record<string, string>): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      ...init,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        Accept: 'application/json',
        ...(init?.body ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
    })
  } catch {
    throw new RequestError(0, 'network_error', 'Could not reach the server. Check your connection.')
  }
  const body = (await response.json().catch(() => null)) as (T & Partial<ApiError>) | null
  if (!response.ok) {
    const error = body?.error
    throw new RequestError(response.status, error?.code ?? 'http_error', error?.message ?? 'Request failed.')
  }
  return body as T
}

export const getJson = <T>(path: string) => request<T>(path)
export const postJson = <T>(path: string, data?: unknown, headers?: Record<string, string>) =>
  request<T>(path, { method: 'POST', body: data === undefined ? '{}' : JSON.stringify(data) }, headers)
