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
  // the bench's publisher posts over HTTP too: a socket that answered a publish (202) is not a stream
  const publishSockets = new WeakSet<Duplex>()
  const write = Duplex.prototype.write
  Duplex.prototype.write = function countedWrite(this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!publishSockets.has(this)) {
      if (startsWith(args[0], PUBLISH_ANSWER)) publishSockets.add(this)
      else writes++
    }
    return write.apply(this, args)
  } as Duplex['write']
  return () => writes
}

/** The head of `POST /v1/publish`'s answer: the only 202 a server under test writes. */
const PUBLISH_ANSWER = 'HTTP/1.1 202'

const startsWith = (chunk: unknown, prefix: string) =>
  typeof chunk === 'string'
    ? chunk.startsWith(prefix)
    : chunk instanceof Uint8Array &&
      Buffer.from(chunk.buffer, chunk.byteOffset, prefix.length).toString('latin1') === prefix

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
