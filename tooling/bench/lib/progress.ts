/** One progress line per tick on stderr, so stdout stays clean for piping; `note` goes before the fields. */
export function progress(scenario: string, fields: Record<string, string | number>, note?: string): void {
  const parts = Object.entries(fields).map(
    ([key, value]) => `${key}=${typeof value === 'number' ? Math.round(value * 100) / 100 : value}`,
  )
  process.stderr.write(`[${scenario}] ${note ? `${note}: ` : ''}${parts.join(' ')}\n`)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true or the deadline passes; returns whether it did. */
export async function waitUntil(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await sleep(everyMs)
  }
  return check()
}
