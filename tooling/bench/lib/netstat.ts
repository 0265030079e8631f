import { readFileSync } from 'node:fs'

/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows),
 * machine-wide: a SYN dropped there is retried by the client after 1, 2, 4, 8... s.
 */
export function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n')
    for (let i = 0; i + 1 < lines.length; i += 2) {
      if (!lines[i]!.startsWith('TcpExt:')) continue
      const names = lines[i]!.split(/\s+/)
      const values = lines[i + 1]!.split(/\s+/)
      const at = names.indexOf('ListenOverflows')
      return at >= 0 ? Number(values[at]) : 0
    }
  } catch {}
  return 0
}
