import { authorProblem, commentProblem } from '../shared/rules.js'

/** A rejected request: its HTTP status and stable code become `{"error":{"code","message"}}`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 422 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface CommentInput {
  author: string
  text: string
}

/** Checks a `POST /comments` body; returns the trimmed fields or throws an ApiFailure. */
export function parseComment(body: unknown): CommentInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiFailure(400, 'invalid_comment', 'Expected a JSON object {"author","text"}.')
  }
  const { author, text } = body as Record<string, unknown>
  if (typeof author !== 'string' || typeof text !== 'string') {
    throw new ApiFailure(400, 'invalid_comment', 'Both "author" and "text" must be strings.')
  }
  const problem = authorProblem(author) ?? commentProblem(text)
  if (problem) throw new ApiFailure(422, problem.code, problem.message)
  return { author: author.trim(), text: text.trim() }
}

/** Checks a `POST /crowd` body. */
export function parseCrowd(body: unknown): { enabled: boolean } {
  const enabled = (body as { enabled?: unknown } | null)?.enabled
  if (typeof enabled !== 'boolean') {
    throw new ApiFailure(400, 'invalid_crowd', 'Expected {"enabled": true | false}.')
  }
  return { enabled }
}
