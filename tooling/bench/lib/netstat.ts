import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { processTable } from './process-tree'

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

/**
 * Established TCP connections to `port` held by the process tree whose command line matches `command`
 * under this process (the browser we launched: its network service holds the sockets), read from
 * /proc/net/tcp{,6} and each process's open sockets. Our own sockets (a /metrics scrape) never count.
 */
export function tcpConnectionsTo(port: number, command: RegExp): number {
  const inodes = new Set<string>()
  for (const pid of processTree(command)) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`)
        if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1))
      } catch {}
    }
  }
  let count = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10 || fields[3] !== ESTABLISHED) continue
      const remotePort = Number.parseInt(fields[2]!.split(':')[1]!, 16)
      if (remotePort === port && inodes.has(fields[9]!)) count++
    }
  }
  return count
}

const ESTABLISHED = '01'

/** Our descendants whose command line matches `command`, and all of theirs. */
function processTree(command: RegExp): number[] {
  const { children } = processTable()
  const matches = (pid: number) => {
    try {
      return command.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))
    } catch {
      return false
    }
  }
  const tree: number[] = []
  const walk = (pid: number, inside: boolean) => {
    for (const child of children.get(pid) ?? []) {
      const now = inside || matches(child)
      if (now) tree.push(child)
      walk(child, now)
    }
  }
  walk(process.pid, false)
  return tree
}
