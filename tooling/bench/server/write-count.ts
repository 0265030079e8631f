import { readFileSync } from 'node:fs'
import { Duplex } from 'node:stream'

/**
 * Counts the stream writes of this process from now on: every `write()` on a socket, a TLS socket or an
 * HTTP/2 stream (all Duplex, whose `write` is its own copy of Writable's), which is where a sink hands each
 * flush over (the HTTP/1.1 sink to the socket, the HTTP/2 sink to its stream). An HTTP/2 session writes its
 * socket from C++, so a session's frames are not counted here, only its streams' writes. Costs one call
 * per write; only a run that asks for it (`countWrites`) has it.
 */
export function countStreamWrites(): () => number {
  let writes = 0
  const write = Duplex.prototype.write
  Duplex.prototype.write = function countedWrite(this: Duplex, ...args: Parameters<Duplex['write']>) {
    writes++
    return write.apply(this, args)
  } as Duplex['write']
  return () => writes
}

/**
 * write(2) and writev(2) calls this process has made (`syscw` of /proc/self/io: every thread, sockets
 * included), or null where the kernel does not account them.
 */
export function writeSyscalls(): number | null {
  try {
    const match = /^syscw:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}
