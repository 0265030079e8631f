import { ErrorCode, LikewireError } from './errors'

/**
 * Deepest nesting of arrays and objects accepted in any JSON input (bodies, event data, topics). JSON.parse
 * copes with far deeper input, but JSON.stringify and every recursive walk overflow the stack on it.
 */
export const MAX_JSON_DEPTH = 64

const tooDeep = () =>
  new LikewireError(
    400,
    ErrorCode.jsonTooDeep,
    `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects is refused`,
  )

/** Throws 400 `json_too_deep` past MAX_JSON_DEPTH; iterative, so it never overflows the stack itself. */
export function assertJsonDepth(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > MAX_JSON_DEPTH) throw tooDeep()
    const children = Array.isArray(node) ? node : Object.values(node as object)
    for (const child of children)
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
}

/** Parses JSON text from a client: 400 `invalid_json` when it does not parse, `json_too_deep` when too deep. */
export function parseJson(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new LikewireError(400, ErrorCode.invalidJson, 'The request body is not valid JSON')
  }
  assertJsonDepth(value)
  return value
}

/**
 * Serializes a value handed to Likewire in-process (publish data): 400 for what JSON cannot hold
 * (undefined, a BigInt, a cycle) or nests too deep, instead of a TypeError or a stack overflow.
 */
export function stringifyData(data: unknown): string {
  if (data === undefined) {
    throw new LikewireError(400, ErrorCode.invalidRequest, '"data" is required (null is allowed)')
  }
  // a cycle is also caught here: it is infinitely deep
  assertJsonDepthOrCycle(data)
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch (error) {
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      `"data" is not serializable as JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  if (json === undefined) {
    throw new LikewireError(400, ErrorCode.invalidRequest, '"data" is not serializable as JSON')
  }
  return json
}

function assertJsonDepthOrCycle(value: unknown): void {
  try {
    assertJsonDepth(value)
  } catch (error) {
    // a cycle looks infinitely deep: name it for what it is
    if (hasCycle(value)) {
      throw new LikewireError(400, ErrorCode.invalidRequest, '"data" is not serializable as JSON: a cycle')
    }
    throw error
  }
}

function hasCycle(root: unknown): boolean {
  const onPath = new Set<unknown>()
  const stack: Array<[unknown, boolean]> = [[root, false]]
  while (stack.length > 0) {
    const [node, leaving] = stack.pop()!
    if (leaving) {
      onPath.delete(node)
      continue
    }
    if (typeof node !== 'object' || node === null) continue
    if (onPath.has(node)) return true
    onPath.add(node)
    stack.push([node, true])
    for (const child of Array.isArray(node) ? node : Object.values(node as object)) stack.push([child, false])
  }
  return false
}
