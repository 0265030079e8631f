import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ErrorCode, LikewireError } from '../protocol/errors'

/** Refuses bodies over the limit while they stream in, before anything is buffered. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new LikewireError(
        413,
        ErrorCode.payloadTooLarge,
        `The request body is larger than ${maxBytes} bytes`,
      )
    },
  })
}

/** Reads a JSON body, answering 400 `invalid_json` for anything that does not parse. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new LikewireError(400, ErrorCode.invalidJson, 'The request body is not valid JSON')
  }
}

/** Reads a JSON object body. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await readJson(c)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LikewireError(400, ErrorCode.invalidRequest, 'The request body must be a JSON object')
  }
  return body as Record<string, unknown>
}
