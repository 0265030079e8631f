import type { BrowserContext } from 'playwright-core'
import { sleep } from '../lib/progress'
import { Tab, type TabConfig } from './tab'

/** The tabs of one browser profile (a Playwright context): opened one after the other, read together. */
export class TabGroup {
  readonly tabs: Tab[] = []

  constructor(
    readonly context: BrowserContext,
    private readonly pageUrl: string,
    private readonly config: (index: number) => TabConfig,
  ) {}

  /** Opens the next tab (index = tabs opened so far) and starts its client. */
  async open(): Promise<Tab> {
    const index = this.tabs.length
    const tab = await Tab.open(this.context, this.pageUrl, index, this.config(index))
    this.tabs.push(tab)
    return tab
  }

  /** Tabs neither closed nor crashed. */
  get alive(): Tab[] {
    return this.tabs.filter((tab) => !tab.closed && !tab.crashed)
  }

  /** Tabs holding a stream: with sharing on, the leader (one, unless a handover is under way). */
  get leaders(): Tab[] {
    return this.alive.filter((tab) => tab.leads)
  }

  async readAll(): Promise<void> {
    await Promise.all(this.alive.map((tab) => tab.read()))
  }

  /** Reads every tab until `check` holds or `timeoutMs` passes; returns whether it held. */
  async readUntil(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      await this.readAll()
      if (check()) return true
      if (Date.now() >= deadline) return false
      await sleep(everyMs)
    }
  }

  close(): Promise<void> {
    return this.context.close().catch(() => {})
  }
}
