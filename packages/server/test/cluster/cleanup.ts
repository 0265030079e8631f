import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, vi } from 'vitest'

/** Everything a test started, stopped after it in reverse order. */
export const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An SSE stream closed after the test, resolved once connected. */
export async function stream(url: string): Promise<Stream> {
  const s = await openStream(url)
  cleanups.push(() => s.close())
  await vi.waitFor(() => s.connectionId())
  return s
}
