import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { LikewireError, unavailable } from '../protocol/errors'
import { Channel, type Port, remote, serve } from './channel'

/**
 * Two ends of a channel in one process, with node:cluster's semantics under the 'advanced' serialization:
 * each message structured-cloned, delivered later, in order; a closed end throws on send.
 */
function pair(): [Port & { shut(): void }, Port & { shut(): void }] {
  const make = () => {
    const events = new EventEmitter()
    let closed = false
    const end = {
      other: undefined as unknown as EventEmitter,
      send(message: unknown, callback?: (error: Error | null) => void) {
        if (closed) throw new Error('channel closed')
        const copy = structuredClone(message)
        setImmediate(() => {
          end.other.emit('message', copy)
          callback?.(null)
        })
        return true
      },
      on: (event: 'message', listener: (m: unknown) => void) => events.on(event, listener),
      off: (event: 'message', listener: (m: unknown) => void) => events.off(event, listener),
      shut: () => {
        closed = true
      },
      events,
    }
    return end
  }
  const a = make()
  const b = make()
  a.other = b.events
  b.other = a.events
  return [a, b]
}

class Table {
  private readonly rows = new Map<string, Set<string>>()
  async add(topic: string, nodes: string[]): Promise<void> {
    this.rows.set(topic, new Set(nodes))
  }
  async lookup(topics: string[]): Promise<Map<string, string[]>> {
    return new Map(topics.filter((t) => this.rows.has(t)).map((t) => [t, [...this.rows.get(t)!]]))
  }
  async refuse(): Promise<void> {
    throw unavailable('The registry is unavailable')
  }
  secret(): string {
    return 'not served'
  }
}

describe('Channel: calls between the processes of one node', () => {
  it('answers calls of the listed methods with their values (Maps included), in order', async () => {
    const [primaryEnd, workerEnd] = pair()
    new Channel(primaryEnd, { table: serve(new Table(), ['add', 'lookup', 'refuse']) })
    const table = remote<Table>(new Channel(workerEnd, {}), 'table', ['add', 'lookup', 'refuse', 'secret'])
    await table.add('t', ['w1', 'w2'])
    expect(await table.lookup(['t', 'u'])).toEqual(new Map([['t', ['w1', 'w2']]]))
  })

  it('a LikewireError crosses as one (a 503 stays a 503); a method not listed is not reachable', async () => {
    const [primaryEnd, workerEnd] = pair()
    new Channel(primaryEnd, { table: serve(new Table(), ['refuse']) })
    const table = remote<Table>(new Channel(workerEnd, {}), 'table', ['refuse', 'secret'])
    const refused = await table.refuse().catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(LikewireError)
    expect(refused).toMatchObject({
      status: 503,
      code: 'unavailable',
      message: 'The registry is unavailable',
    })
    await expect(Promise.resolve(table.secret())).rejects.toThrow('table.secret is not served here')
  })

  it('notes go one way to their kind; calls waiting on a closed channel fail, later ones at once', async () => {
    const [primaryEnd, workerEnd] = pair()
    const got: unknown[] = []
    new Channel(workerEnd, {}, { deliver: (body) => got.push(body) })
    const primary = new Channel(primaryEnd, {})
    await primary.note('deliver', { n: 1 })
    await primary.note('unknown-kind', { n: 2 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toEqual([{ n: 1 }])
    const waiting = primary.call('nobody', 'answers') // the worker end serves nothing: it answers an error
    await expect(waiting).rejects.toThrow(/not served/)
    const [a] = pair()
    const dying = new Channel(a, {})
    const pending = dying.call('x', 'y') // no other end ever answers
    dying.close('worker w1 is gone')
    await expect(pending).rejects.toThrow('worker w1 is gone')
    await expect(dying.call('x', 'y')).rejects.toThrow('worker w1 is gone')
  })
})
