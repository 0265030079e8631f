import type { Logger } from 'pino'
import type { PresenceStatus, PresenceStore } from '../registry/presence-store'

/** Members per digest page (one request to each peer; at most what a peer takes in one request). */
const PAGE = 1000

/** Where this datacenter's digest pages go: every peer datacenter (the presence forwarder). */
export interface DigestTarget {
  digest(online: readonly PresenceStatus[]): Promise<void>
}

/**
 * Anti-entropy between datacenters: once per interval one frontend of the datacenter (the one that claims
 * it) sends every peer the datacenter's own online members, page by page. A peer keeps each state for
 * three intervals unless sent again, so a member whose offline never reached it (a frontend died with it
 * queued, every frontend died, Redis restarted empty) goes offline there within that time, and one whose
 * online never reached it is online there after the next digest. A peer that lost its states asks for a
 * digest, sent at once.
 */
export class PresenceDigests {
  private readonly timer: ReturnType<typeof setInterval>
  private running: Promise<void> | undefined

  constructor(
    private readonly store: PresenceStore,
    private readonly target: DigestTarget,
    private readonly nodeId: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    // checked every second at most: an asked digest goes within a second
    this.timer = setInterval(() => void this.tick(), Math.min(1000, intervalMs))
    this.timer.unref()
  }

  /** Sends the digest if this node claims this interval's (or an asked one). */
  tick(): Promise<void> {
    this.running ??= this.send().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  private async send(): Promise<void> {
    try {
      if (!(await this.store.claimDigest(this.nodeId, this.intervalMs, Date.now()))) return
      let cursor = '0'
      do {
        const page = await this.store.digest(cursor, PAGE)
        // a scan step may answer a little more than asked: never more than a peer takes at once
        for (let i = 0; i < page.online.length; i += PAGE)
          await this.target.digest(page.online.slice(i, i + PAGE))
        cursor = page.cursor
      } while (cursor !== '0')
    } catch (error) {
      // the next interval sends it again; peers keep states for three intervals
      this.logger.warn({ err: error }, 'presence digest failed')
    }
  }
}
