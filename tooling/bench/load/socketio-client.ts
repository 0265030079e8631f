import net from 'node:net'
import WebSocket from 'ws'
import type { Target } from './protocol'
import type { ClientEvents } from './sse-client'
import { readInt } from './sse-parser'

const TS = Buffer.from('"ts":')
const C0 = 0x30 // '0'
const C2 = 0x32 // '2'
const C3 = 0x33 // '3'
const C4 = 0x34 // '4'

/**
 * One raw Socket.IO client without socket.io-client: a `ws` WebSocket speaking engine.io v4 / socket.io v5
 * by hand. `40` joins the namespace, `421["join",topic]` subscribes (the ack `431` is "ready", the
 * counterpart of `likewire.connected`), a ping `2` is answered `3`, and each `42[...]` frame is a data
 * frame whose `"ts":` is read in place, as the SSE parser does.
 */
export function openSocketIo(
  target: Target,
  source: { localAddress: string; localPort: number } | undefined,
  events: ClientEvents,
): { destroy(): void } {
  const url = `ws://${target.host}:${target.port}${target.path}`
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    createConnection: () => net.connect({ host: target.host, port: target.port, ...source }),
  })
  const join = `421${JSON.stringify(['join', target.topic ?? ''])}`
  let failure: Error | undefined
  ws.on('upgrade', () => events.onHead(200))
  ws.on('unexpected-response', (_req, res) => {
    events.onHead(res.statusCode ?? 0)
    ws.terminate()
  })
  ws.on('message', (data: Buffer) => {
    events.onRead?.()
    const type = data[0]
    if (type === C4) {
      const kind = data[1]
      if (kind === C2) {
        const at = data.lastIndexOf(TS)
        events.onData(at >= 0 ? readInt(data, at + TS.length, data.length) : Number.NaN, Number.NaN)
      } else if (kind === C3) events.onConnected()
      else if (kind === C0) ws.send(join)
    } else if (type === C2) ws.send('3')
    else if (type === C0) ws.send('40')
  })
  ws.on('error', (error) => {
    failure = error
  })
  ws.on('close', () => events.onClose(failure !== undefined, failure))
  return { destroy: () => ws.terminate() }
}
