import type { Context } from 'hono'
import type { GuestProfile } from '../shared/api.js'
import { commentProblem, isGuestId, nameProblem } from '../shared/rules.js'

/** A rejected request: its HTTP status and stable code become `{"error":{"code","message"}}`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 422 | 503,
    readonly code: string,
    message: string,
    /** Sent with the answer, e.g. a 401's `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** Largest request body the API reads; a comment is a few hundred bytes. */
export const MAX_BODY_BYTES = 8 * 1024

/** The request's JSON body (undefined when empty), bounded to MAX_BODY_BYTES. */
export async function readJson(c: Context): Promise<unknown> {
  const tooLarge = new ApiFailure(
    413,
    'payload_too_large',
    `The request body is over ${MAX_BODY_BYTES} bytes.`,
  )
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge
  const raw = await c.req.text()
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw tooLarge
  if (raw.trim() === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw new ApiFailure(400, 'invalid_json', 'The request body is not valid JSON.')
  }
}

const isObject = (body: unknown): body is Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body)

/**
 * Checks a `POST /comments` body from `guest` (its token's): `{ text }`, optionally restating who posts
 * (`memberId`, `author`), which must then be that guest: a comment never claims another member. Returns
 * the trimmed text or throws an ApiFailure.
 */
export function parseComment(body: unknown, guest: GuestProfile): { text: string } {
  if (!isObject(body)) throw new ApiFailure(400, 'invalid_comment', 'Expected a JSON object {"text"}.')
  const { text, memberId, author } = body
  if (typeof text !== 'string') throw new ApiFailure(400, 'invalid_comment', '"text" must be a string.')
  if (!restates(memberId, guest.id, 'memberId') || !restates(author, guest.name, 'author')) {
    throw new ApiFailure(
      403,
      'identity_mismatch',
      'A comment is posted as the guest of its token: its memberId and author cannot name anyone else.',
    )
  }
  const problem = commentProblem(text)
  if (problem) throw new ApiFailure(422, problem.code, problem.message)
  return { text: text.trim() }
}

/** An optional field that, when given, must say `own` (spaces around it aside); not a string is a 400. */
function restates(value: unknown, own: string, field: string): boolean {
  if (value === undefined) return true
  if (typeof value !== 'string')
    throw new ApiFailure(400, 'invalid_comment', `"${field}" must be a string when given.`)
  return value.trim() === own
}

/** `POST /api/guest`: a new guest (`{ name? }`, or no body) or a renewal (`{ id, key, name? }`). */
export interface GuestRequest {
  id?: string
  key?: string
  name?: string
}

/** Checks a `POST /guest` body; the name is trimmed. */
export function parseGuestRequest(body: unknown): GuestRequest {
  if (body === undefined) return {}
  if (!isObject(body)) {
    throw new ApiFailure(400, 'invalid_guest', 'Expected a JSON object {"name"} or {"id","key","name"}.')
  }
  const { id, key, name } = body
  if ((id === undefined) !== (key === undefined)) {
    throw new ApiFailure(
      400,
      'invalid_guest',
      '"id" and "key" go together (a renewal) or not at all (a new guest).',
    )
  }
  if (id !== undefined && (!isGuestId(id) || typeof key !== 'string' || key.length > 100)) {
    throw new ApiFailure(
      400,
      'invalid_guest',
      '"id" must be a guest id and "key" its key, as this API gave them.',
    )
  }
  if (name !== undefined && typeof name !== 'string') {
    throw new ApiFailure(400, 'invalid_guest', '"name" must be a string when given.')
  }
  const problem = name === undefined ? null : nameProblem(name)
  if (problem) throw new ApiFailure(422, problem.code, problem.message)
  return {
    ...(id === undefined ? {} : { id, key: key as string }),
    ...(name === undefined ? {} : { name: name.trim() }),
  }
}

/** Most guest ids one `GET /guests` may ask about. */
export const MAX_NAME_LOOKUPS = 20

/** Checks the ids of `GET /guests?id=…&id=…`: distinct, each a guest id. */
export function parseGuestIds(ids: readonly string[]): string[] {
  const distinct = [...new Set(ids)]
  if (distinct.length > MAX_NAME_LOOKUPS) {
    throw new ApiFailure(400, 'too_many_guests', `Ask about at most ${MAX_NAME_LOOKUPS} guests at once.`)
  }
  if (!distinct.every(isGuestId))
    throw new ApiFailure(400, 'invalid_guest_id', 'Each "id" must be a guest id.')
  return distinct
}

/** Checks a `POST /crowd` body. */
export function parseCrowd(body: unknown): { enabled: boolean } {
  const enabled = (body as { enabled?: unknown } | null)?.enabled
  if (typeof enabled !== 'boolean') {
    throw new ApiFailure(400, 'invalid_crowd', 'Expected {"enabled": true | false}.')
  }
  return { enabled }
}
