import { type Listening, listen } from '../src/http/listen'
import { createLikewire, type Likewire } from '../src/likewire'
import type { LikewireOptions } from '../src/options'

// The server-only helpers; freePort, startRedis, spawnLikewire, openStream and post are @likewire/testkit's.

export interface Running {
  lw: Likewire
  url: string
  listening: Listening
  close(): Promise<void>
}

/** A real Likewire on a real HTTP server on port 0. */
export async function startLikewire(options: LikewireOptions = {}): Promise<Running> {
  const lw = createLikewire({ logLevel: 'silent', processMetrics: false, ...options })
  const listening = await listen(lw.app, { port: 0 })
  return {
    lw,
    url: listening.url,
    listening,
    close: async () => {
      await lw.close()
      await listening.close()
    },
  }
}

/** Reads one metric's value from the Prometheus text. */
export async function metric(lw: Pick<Likewire, 'metrics'>, name: string, labels = ''): Promise<number> {
  const text = await lw.metrics.metrics()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}{`))
  return line ? Number(line.split(' ').pop()) : 0
}
