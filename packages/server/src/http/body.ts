import type { Context } from 'hono'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { parseJson } from '../protocol/json'

const tooLarge = (maxBytes: number) =>
  new LikewireError(413, ErrorCode.payloadTooLarge, `The request body is larger than ${maxBytes} bytes`)

/**
 * Reads a body up to `maxBytes`, refusing it as it streams in. (Hono's bodyLimit rebuilds the Request,
 * which fails on @hono/node-server's request object when global overrides are off, as they must be here.)
 */
export async function readBody(c: Context, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  const body = c.req.raw.body
  if (!body) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      // the client hung up mid-body: its error, classified here where the body is read
      throw new LikewireError(400, ErrorCode.invalidRequest, 'The request body could not be read')
    }
    const { done, value } = chunk
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

/** Reads a JSON body: 400 `invalid_json` for anything that does not parse, `json_too_deep` past the nesting limit. */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  return parseJson(await readBody(c, maxBytes))
}

/** Reads a JSON object body. */
export async function readJsonObject(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readJson(c, maxBytes)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LikewireError(400, ErrorCode.invalidRequest, 'The request body must be a JSON object')
  }
  return body as Record<string, unknown>
}
