import type { Logger } from 'pino'
import type { Frontend } from '../frontend/frontend'
import type { RedisRegistry } from '../registry/redis-registry'
import type { NodeInfo } from '../registry/registry'

/**
 * Keeps a cluster frontend recorded in the registry: renews its lease (from the main loop, and from a
 * worker thread while the loop is busy), and compares what Redis holds for the node with the local table,
 * re-recording everything when they differ (Redis restarted empty, lease expired): probe, not ping.
 */
export class Registration {
  private ticking: Promise<void> | undefined
  private stopped = false
  private lastError = ''
  private timer: ReturnType<typeof setInterval> | undefined
  private stopOnReady: (() => void) | undefined
  private keeper: ReturnType<RedisRegistry['keepLease']> | undefined

  constructor(
    private readonly registry: RedisRegistry,
    private readonly node: NodeInfo,
    private readonly frontend: Frontend,
    private readonly logger: Logger,
    /** Member presence this node told the registry: told again with the topics. */
    private readonly presence?: { resync(): Promise<void> },
  ) {}

  /** First renewal, then every third of the lease; the worker keeps it while this loop is busy. */
  async start(maxStallMs: number): Promise<void> {
    await this.tick()
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.registry.leaseTtlMs / 3)))
    this.timer.unref()
    this.stopOnReady = this.registry.onReady(() => void this.tick())
    // the tick above renews too: if the worker fails, the node degrades to main-loop renewal only
    this.keeper = this.registry.keepLease(this.node, {
      maxStallMs,
      onLost: () => void this.resync().catch(() => {}),
      onError: (error) =>
        this.logger.warn({ err: error }, 'lease keeper thread failed; renewing from the main loop only'),
    })
    // bounded: a keeper that cannot connect leaves the main loop's renewal in charge, it does not block startup
    const keeperUp = await Promise.race([
      this.keeper.ready.then(
        () => true,
        () => true, // its failure was logged by onError
      ),
      new Promise<boolean>((resolve) => setTimeout(resolve, 5000, false).unref()),
    ])
    if (!keeperUp)
      this.logger.warn(
        'lease keeper not connected to Redis after 5 s; the main loop renews the lease meanwhile',
      )
  }

  /** The health check: the lease exists and Redis holds exactly the local topics (what dispatchers read). */
  async check(): Promise<{ ok: boolean; detail?: string }> {
    const ok = await this.matches().catch((error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error)
      return false
    })
    if (ok) return { ok }
    void this.tick()
    return { ok, detail: `lease or topics missing in the registry ${this.lastError}` }
  }

  /** Stops renewing; the keeper first, so it cannot re-create the lease that close() removes. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    this.stopOnReady?.()
    await this.keeper?.close()
    await this.ticking // a renewal in flight lands before the node's removal, not after
  }

  private async matches(): Promise<boolean> {
    const { lease, heldTopics } = await this.registry.registration(this.node.nodeId)
    // counts differ for a moment while a subscribe is being recorded: compare only when nothing is pending
    return lease && (!this.frontend.registryIdle || heldTopics === this.frontend.localTopics().length)
  }

  private async resync(): Promise<void> {
    await this.frontend.resync()
    await this.presence?.resync()
  }

  private async tick(): Promise<void> {
    // stopped: a health probe during close must not record the lease that close() removes
    if (this.ticking || this.stopped) return
    this.ticking = (async () => {
      try {
        const lost = await this.registry.renewLease(this.node)
        if (lost || !(await this.matches())) await this.resync()
        this.lastError = ''
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error)
      }
    })()
    await this.ticking
    this.ticking = undefined
  }
}
