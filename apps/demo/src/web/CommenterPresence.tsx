import type { PresenceStatus } from '@likewire/client'
import { usePresence } from '@likewire/react'
import { useEffect } from 'react'

export type PresenceChange = (memberId: string, status: PresenceStatus | null) => void

/**
 * One presence watch per distinct commenter, not per comment: `onChange` hears each one's status
 * (`usePresence`: online while they have a stream anywhere, offline once gone for the grace).
 */
export function CommenterPresence({
  memberIds,
  onChange,
}: {
  memberIds: readonly string[]
  onChange: PresenceChange
}) {
  return memberIds.map((memberId) => <Watch key={memberId} memberId={memberId} onChange={onChange} />)
}

function Watch({ memberId, onChange }: { memberId: string; onChange: PresenceChange }) {
  const presence = usePresence(memberId)
  useEffect(() => onChange(memberId, presence?.status ?? null), [memberId, presence, onChange])
  // no longer watched (their comments scrolled out of the last 50): forgotten
  useEffect(() => () => onChange(memberId, null), [memberId, onChange])
  return null
}

/** A commenter's dot: green online, grey offline, nothing until known. */
export function PresenceDot({ status }: { status: PresenceStatus | undefined }) {
  const label = status === 'online' ? 'Online' : status === 'offline' ? 'Offline' : 'Checking presence'
  return (
    <span
      className={`presence-dot presence-${status ?? 'unknown'}`}
      data-testid="presence-dot"
      data-status={status ?? 'unknown'}
      role="img"
      aria-label={label}
      title={label}
    />
  )
}
