import { readFileSync } from 'node:fs'

/** The whole box's CPU time so far (all cores, from /proc/stat): busy and total, in clock ticks. */
export interface BoxCpu {
  busy: number
  total: number
}

export function readBoxCpu(): BoxCpu {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((a, b) => a + b, 0)
    // idle and iowait are the time no process ran
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/** How busy the whole box was between two readings, % of all its cores (other work on it included). */
export function boxBusyPercent(from: BoxCpu, to: BoxCpu): number {
  const total = to.total - from.total
  return total > 0 ? Math.round(((to.busy - from.busy) / total) * 1000) / 10 : 0
}
