import { COMMENT_MAX_LENGTH, NAME_MAX_LENGTH } from './api.js'

/** Length in characters a person would count (code points), so an emoji is one. */
export const textLength = (text: string) => [...text].length

/** A guest's member id as the demo backend makes them: `guest:` and 22 base64url characters (128 bits). */
export const GUEST_ID_PATTERN = /^guest:[A-Za-z0-9_-]{22}$/

export const isGuestId = (value: unknown): value is string =>
  typeof value === 'string' && GUEST_ID_PATTERN.test(value)

/**
 * Control characters (line breaks included), lone surrogate halves (no character at all), and the
 * bidirectional overrides and isolates, which would let a name reorder the text shown around it.
 */
const UNSHOWABLE = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u

/** What is wrong with a comment's text, or null. The server and the page apply the same rule. */
export function commentProblem(text: string): { code: string; message: string } | null {
  const clean = text.trim()
  if (clean.length === 0) return { code: 'empty_comment', message: 'Write something first.' }
  if (textLength(clean) > COMMENT_MAX_LENGTH) {
    return { code: 'comment_too_long', message: `Comments are limited to ${COMMENT_MAX_LENGTH} characters.` }
  }
  return null
}

/** What is wrong with a display name, or null. */
export function nameProblem(name: string): { code: string; message: string } | null {
  const clean = name.trim()
  if (clean.length === 0 || textLength(clean) > NAME_MAX_LENGTH) {
    return { code: 'invalid_name', message: `Your name needs 1 to ${NAME_MAX_LENGTH} characters.` }
  }
  if (UNSHOWABLE.test(clean)) {
    return { code: 'invalid_name', message: 'Your name cannot hold line breaks or control characters.' }
  }
  return null
}
