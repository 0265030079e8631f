import { type PresenceOptions, withDefaults } from '../options'

export const defaultPresence = {
  graceMs: 60_000,
  membersLimit: 100,
  intervalMs: 500,
  digestIntervalMs: 30_000,
} as const

export type ResolvedPresence = { [K in keyof typeof defaultPresence]: number }

/** Presence options over their defaults, refused with one clear line when they cannot work. */
export function resolvePresence(options: PresenceOptions = {}): ResolvedPresence {
  const resolved: ResolvedPresence = withDefaults(defaultPresence, options)
  // a day of grace keeps the dead online for a day; a snapshot past 1000 members outgrows a stream's buffer
  within(resolved.graceMs, 'presence.graceMs', 0, 86_400_000)
  within(resolved.membersLimit, 'presence.membersLimit', 0, 1000)
  within(resolved.intervalMs, 'presence.intervalMs', 10, 60_000)
  // faster floods peers with every online member; slower keeps a lost datacenter's members online for hours
  within(resolved.digestIntervalMs, 'presence.digestIntervalMs', 100, 3_600_000)
  return resolved
}

function within(value: number, name: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
}
