import { useState } from 'react'
import type { CrowdState } from '../shared/api'
import { useNow } from './useNow'

/** Turns on a simulated crowd liking this video (server-side, bounded rate, stops by itself). */
export function CrowdSwitch({
  crowd,
  onChange,
}: {
  crowd: CrowdState
  onChange: (enabled: boolean) => Promise<void>
}) {
  const [busy, setBusy] = useState(false)
  const now = useNow(1000, crowd.enabled)
  const left = crowd.endsAt === null ? 0 : Math.max(0, Math.ceil((crowd.endsAt - now) / 1000))

  const toggle = async () => {
    setBusy(true)
    try {
      await onChange(!crowd.enabled)
    } catch {
      // the switch keeps showing the server's state; nothing else to do
    } finally {
      setBusy(false)
    }
  }

  return (
    <button
      type="button"
      role="switch"
      aria-checked={crowd.enabled}
      className="crowd-switch"
      data-testid="crowd-switch"
      disabled={busy}
      onClick={toggle}
      title="Simulate hundreds of viewers liking this video"
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span>Crowd{crowd.enabled && left > 0 ? <span className="crowd-left"> · {left}s</span> : null}</span>
    </button>
  )
}
