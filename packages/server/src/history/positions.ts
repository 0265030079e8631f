/** A place in a history topic: its epoch (changes when the topic's history was lost) and an offset in it. */
export interface Position {
  epoch: string
  offset: number
}

/** Epochs are short random tokens: safe in an SSE `id:` line, a query string and JSON without escaping. */
export const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/

export function isPosition(value: unknown): value is Position {
  if (typeof value !== 'object' || value === null) return false
  const { epoch, offset } = value as Record<string, unknown>
  return (
    typeof epoch === 'string' &&
    EPOCH_PATTERN.test(epoch) &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0
  )
}

/** `<epoch>:<offset>`: the SSE `id:` of a history event, what a browser sends back as Last-Event-ID. */
export function formatPosition(position: Position): string {
  return `${position.epoch}:${position.offset}`
}

/** Reads `<epoch>:<offset>` (Last-Event-ID); undefined for anything else. */
export function parsePosition(text: string | undefined): Position | undefined {
  if (!text) return undefined
  const colon = text.lastIndexOf(':')
  const position = { epoch: text.slice(0, colon), offset: Number(text.slice(colon + 1)) }
  return colon > 0 && /^\d+$/.test(text.slice(colon + 1)) && isPosition(position) ? position : undefined
}
