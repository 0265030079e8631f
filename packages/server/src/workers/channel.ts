import { type ErrorCode, type ErrorStatus, LikewireError } from '../protocol/errors'

/** One end of a node:cluster IPC channel: a worker's `process`, or the primary's `Worker`. */
export interface Port {
  send(message: unknown, callback?: (error: Error | null) => void): boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

/** What one end serves to the other: target -> method -> function (each listed explicitly). */
export type Handlers = Record<string, Record<string, (...args: never[]) => unknown>>

/** Messages of this channel carry `lw`, so prom-client's or anyone else's on the same port are left alone. */
type Message =
  | { lw: 'call'; id: number; to: string; fn: string; args: unknown[] }
  | { lw: 'reply'; id: number; value?: unknown; error?: WireError }
  | { lw: 'note'; kind: string; body: unknown }

interface WireError {
  message: string
  status?: number
  code?: string
}

/** How long a call waits for its answer: the other end is a process of the same node, never slow for long. */
export const CALL_TIMEOUT_MS = 10_000

/**
 * Calls between the processes of one node (the primary and its workers) over the node:cluster channel:
 * a call is one message and its answer another; a note is one message, never answered. Messages go with
 * the 'advanced' serialization (structured clone: Maps, RegExps, no JSON text per message).
 */
export class Channel {
  private next = 0
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: unknown) => void; timer: NodeJS.Timeout }
  >()
  private readonly listener = (message: unknown) => this.receive(message)
  private closedWith: Error | undefined

  constructor(
    private readonly port: Port,
    private readonly handlers: Handlers,
    /** What to do with each kind of one-way note from the other end (deliveries, drain); others are dropped. */
    readonly notes: Record<string, (body: unknown) => void> = {},
  ) {
    port.on('message', this.listener)
  }

  /** Calls `to.fn(...args)` on the other end; rejects with its error (a LikewireError stays one). */
  call<T>(to: string, fn: string, args: unknown[] = [], timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${to}.${fn} got no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      timer.unref()
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      this.write({ lw: 'call', id, to, fn, args }).catch((error: unknown) => this.settle(id, { error }))
    })
  }

  /** Sends a one-way note; resolves once written to the channel (the other end took it, or will). */
  note(kind: string, body: unknown): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    return this.write({ lw: 'note', kind, body })
  }

  /** The other end is gone: every call waiting for it fails, later ones too. */
  close(reason = 'the other process of the node is gone'): void {
    this.closedWith ??= new Error(reason)
    this.port.off('message', this.listener)
    for (const id of [...this.pending.keys()]) this.settle(id, { error: this.closedWith })
  }

  private write(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.port.send(message, (error) => (error ? reject(error) : resolve()))
      } catch (error) {
        // a channel already closed throws at once (ERR_IPC_CHANNEL_CLOSED)
        reject(error)
      }
    })
  }

  private receive(message: unknown): void {
    if (typeof message !== 'object' || message === null || !('lw' in message)) return
    const m = message as Message
    if (m.lw === 'reply') this.settle(m.id, m)
    else if (m.lw === 'note' && Object.hasOwn(this.notes, m.kind)) this.notes[m.kind]!(m.body)
    else if (m.lw === 'call') void this.answer(m)
  }

  private async answer({ id, to, fn, args }: Extract<Message, { lw: 'call' }>): Promise<void> {
    let reply: Message
    try {
      const handler = Object.hasOwn(this.handlers, to) ? this.handlers[to]! : undefined
      const method = handler && Object.hasOwn(handler, fn) ? handler[fn] : undefined
      if (!method) throw new Error(`${to}.${fn} is not served here`)
      reply = { lw: 'reply', id, value: await (method as (...a: unknown[]) => unknown)(...args) }
    } catch (error) {
      reply = { lw: 'reply', id, error: toWire(error) }
    }
    // the caller died meanwhile: nobody to answer
    await this.write(reply).catch(() => {})
  }

  private settle(id: number, outcome: { value?: unknown; error?: unknown }): void {
    const waiting = this.pending.get(id)
    if (!waiting) return
    this.pending.delete(id)
    clearTimeout(waiting.timer)
    if (outcome.error === undefined) waiting.resolve(outcome.value)
    else waiting.reject(fromWire(outcome.error))
  }
}

function toWire(error: unknown): WireError {
  if (error instanceof LikewireError)
    return { message: error.message, status: error.status, code: error.code }
  return { message: error instanceof Error ? error.message : String(error) }
}

/** An error as the caller sees it: a LikewireError keeps its status and code (a 503 stays a 503). */
function fromWire(error: unknown): Error {
  if (error instanceof Error) return error
  const { message, status, code } = error as WireError
  if (status !== undefined && code !== undefined)
    return new LikewireError(status as ErrorStatus, code as ErrorCode, message)
  return new Error(message)
}

/** `object`'s listed methods, bound, as a channel target: nothing else of it is reachable. */
export function serve<T extends object>(object: T, methods: ReadonlyArray<keyof T & string>) {
  const served: Record<string, (...args: never[]) => unknown> = {}
  for (const name of methods) {
    const method = object[name]
    if (typeof method === 'function') served[name] = method.bind(object)
  }
  return served
}

/** The listed methods of an interface served by the other end, each a call. */
export function remote<T>(channel: Channel, to: string, methods: ReadonlyArray<keyof T & string>): T {
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const name of methods) proxy[name] = (...args) => channel.call(to, name, args)
  return proxy as T
}
