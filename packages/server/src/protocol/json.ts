import { ErrorCode, LikewireError } from './errors'

/**
 * Deepest nesting of arrays and objects accepted in event data, topics and subscribe lists. JSON.parse
 * copes with far deeper input, but JSON.stringify and every recursive walk overflow the stack on it.
 */
export const MAX_JSON_DEPTH = 64

/** The levels a request body wraps around event data (`{"events":[{"data": ...}]}`), allowed on top. */
const ENVELOPE_DEPTH = 3

const tooDeep = () =>
  new LikewireError(
    400,
    ErrorCode.jsonTooDeep,
    `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects is refused`,
  )

/**
 * Throws 400 `json_too_deep` past `max` levels; iterative, so it never overflows the stack itself.
 * Answers the deepest level it found (0 for a scalar).
 */
export function assertJsonDepth(value: unknown, max = MAX_JSON_DEPTH): number {
  if (typeof value !== 'object' || value === null) return 0
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > max) throw tooDeep()
    if (depth > deepest) deepest = depth
    const children = Array.isArray(node) ? node : Object.values(node as object)
    for (const child of children)
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
  return deepest
}

/**
 * Parses a request body: 400 `invalid_json` when it does not parse, `json_too_deep` when it nests past the
 * data limit plus the envelope around data (the data inside is held to MAX_JSON_DEPTH by its own check).
 */
export function parseJson(text: string): unknown {
  return parseJsonMeasured(text).value
}

/**
 * parseJson, also answering the body's depth (from the walk that checks it), so a publish can skip each
 * event's own depth check when the whole body is shallow enough.
 */
export function parseJsonMeasured(text: string): { value: unknown; depth: number } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new LikewireError(400, ErrorCode.invalidJson, 'The request body is not valid JSON')
  }
  return { value, depth: assertJsonDepth(value, MAX_JSON_DEPTH + ENVELOPE_DEPTH) }
}

/**
 * Serializes event data: 400 for what JSON cannot hold (undefined, a BigInt, a cycle) and
 * `json_too_deep` past MAX_JSON_DEPTH, counted on what JSON.stringify made (so `toJSON` is honoured).
 * `depthChecked`: the data came parsed from JSON text no deeper than MAX_JSON_DEPTH (no `toJSON` there).
 */
export function stringifyData(data: unknown, depthChecked = false): string {
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch (error) {
    // a RangeError here is the stack running out: data nested far too deep
    if (error instanceof RangeError) throw tooDeep()
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      `"data" is not serializable as JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  if (json === undefined) {
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      '"data" is required and must be JSON (null is allowed)',
    )
  }
  if (!depthChecked && jsonTextDepth(json) > MAX_JSON_DEPTH) throw tooDeep()
  return json
}

/** The nesting depth of JSON text, read off its brackets outside strings (one pass, no parse). */
export function jsonTextDepth(json: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // a backslash escapes the next character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > deepest) deepest = depth
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return deepest
}
