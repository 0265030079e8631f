import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium: a Playwright browser download cannot work on this box (no internet but npm). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** The flags the demo's Playwright tests launch it with (apps/demo/playwright.config.ts). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** Matches the command line of the browser's processes (the network service holds the sockets). */
export const CHROMIUM_COMMAND = /chromium/

/** One headless Chromium; each run of the scenario opens its tabs in a fresh context (one browser profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}
