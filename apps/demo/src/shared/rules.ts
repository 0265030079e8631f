import { AUTHOR_MAX_LENGTH, COMMENT_MAX_LENGTH } from './api.js'

/** Length in characters a person would count (code points), so an emoji is one. */
export const textLength = (text: string) => [...text].length

/** What is wrong with a comment's text, or null. The server and the page apply the same rule. */
export function commentProblem(text: string): { code: string; message: string } | null {
  const clean = text.trim()
  if (clean.length === 0) return { code: 'empty_comment', message: 'Write something first.' }
  if (textLength(clean) > COMMENT_MAX_LENGTH) {
    return { code: 'comment_too_long', message: `Comments are limited to ${COMMENT_MAX_LENGTH} characters.` }
  }
  return null
}

/** What is wrong with an author name, or null. */
export function authorProblem(author: string): { code: string; message: string } | null {
  const clean = author.trim()
  if (clean.length === 0 || textLength(clean) > AUTHOR_MAX_LENGTH) {
    return { code: 'invalid_author', message: `Your name needs 1 to ${AUTHOR_MAX_LENGTH} characters.` }
  }
  return null
}
