/** Longest member id the server accepts (a member id names presence topics). */
export const MAX_MEMBER_ID_LENGTH = 128

/** A member id as the server takes it: 1-128 characters (UTF-16 units), no control character, no lone surrogate. */
export function isMemberId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MEMBER_ID_LENGTH) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false // C0, DEL and C1 controls
    // a lone surrogate half is no character: its UTF-8 (U+FFFD) would name another member's topic
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = value.charCodeAt(i + 1)
      if (!(low >= 0xdc00 && low <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}

/** Characters a member id keeps in its topic; every other UTF-8 byte is written `=XX`. */
const KEPT = /^[A-Za-z0-9_\-.:@]$/
/** One spelling escapeMemberId could have written: kept characters and upper-case `=XX`. */
const ESCAPED = /^(?:[A-Za-z0-9_\-.:@]|=[0-9A-F]{2})+$/

/**
 * A member id as topic characters: `A-Za-z0-9 _ - . : @` kept, every other UTF-8 byte `=XX` (upper-case
 * hex, `=` itself `=3D`), byte for byte what the server writes. UTF-8 by hand: no Buffer or TextEncoder
 * needed, so it runs in any JavaScript runtime.
 */
export function escapeMemberId(memberId: string): string {
  let out = ''
  for (const char of memberId) {
    if (KEPT.test(char)) {
      out += char
      continue
    }
    for (const byte of utf8(char.codePointAt(0)!))
      out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The member id an escaped one names, or null when it is not the one spelling of a valid member id. */
export function unescapeMemberId(escaped: string): string | null {
  if (!ESCAPED.test(escaped)) return null
  let memberId: string
  try {
    // `=XX` is `%XX`: decodeURIComponent decodes UTF-8 and throws on bytes that are not UTF-8
    memberId = decodeURIComponent(escaped.replace(/=/g, '%'))
  } catch {
    return null
  }
  return isMemberId(memberId) && escapeMemberId(memberId) === escaped ? memberId : null
}

/** A code point's UTF-8 bytes; a lone surrogate is U+FFFD, as Node's Buffer and TextEncoder write it. */
function utf8(code: number): number[] {
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd
  if (code < 0x80) return [code]
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)]
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
  return [
    0xf0 | (code >> 18),
    0x80 | ((code >> 12) & 0x3f),
    0x80 | ((code >> 6) & 0x3f),
    0x80 | (code & 0x3f),
  ]
}
