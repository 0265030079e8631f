import { signHs256 } from './jwt'
import type { PresenceSetup } from './presence-protocol'

/** Tokens outlive any run: expiry is not what this scenario measures. */
const TOKEN_LIFETIME_S = 4 * 3600

/** What a presence worker's members and watchers share: the setup, the counters it reports, its errors. */
export class WorkerState {
  readonly stats = {
    membersReady: 0,
    membersAway: 0,
    watchersReady: 0,
    flaps: 0,
    flapsAcross: 0,
    leaves: 0,
    returns: 0,
    slowFlaps: 0,
    maxFlapMs: 0,
    dropped: 0,
    rejected: 0,
    errors: 0,
  }
  firstError: string | undefined
  /** The worker is closing: streams that end now are not reopened nor counted as failures. */
  closing = false

  constructor(readonly setup: PresenceSetup) {}

  fail(message: string): void {
    this.stats.errors++
    this.firstError ??= message
  }

  rejected(status: number | undefined, who: string): void {
    this.stats.rejected++
    this.firstError ??= `${who}: HTTP ${status}`
  }

  /** An HS256 token naming `sub`, as an app's backend would sign it; undefined without a secret. */
  bearer(sub: string): string | undefined {
    if (!this.setup.secret) return undefined
    const iat = Math.floor(Date.now() / 1000)
    return signHs256({ sub, iat, exp: iat + TOKEN_LIFETIME_S }, this.setup.secret)
  }
}
