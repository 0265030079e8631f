/** Longest member id Likewire accepts (a member id names presence keys and topics). */
export const MAX_MEMBER_ID_LENGTH = 128

/** A member id as Likewire takes it: 1-128 characters (UTF-16 units), no control character, no lone surrogate. */
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

/**
 * The member an identity names, or null for an anonymous connection: an identity object with a valid
 * string `memberId` (what the JWT verifier returns, and what a custom `authenticate` hook may return).
 */
export function memberIdOf(identity: unknown): string | null {
  if (typeof identity !== 'object' || identity === null) return null
  const { memberId } = identity as { memberId?: unknown }
  return isMemberId(memberId) ? memberId : null
}
