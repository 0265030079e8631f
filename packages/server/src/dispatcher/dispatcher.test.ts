import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import type { EncodedEvent } from '../protocol/frames'
import { MemoryRegistry } from '../registry/memory-registry'
import type { FrontendTransport } from '../transport/transport'
import { Dispatcher } from './dispatcher'
import { validatePublish } from './publish-input'

/** A transport that records what each node was sent, failing the nodes it is told to. */
function recordingTransport(failing: string[] = []) {
  const sent = new Map<string, string[]>()
  const transport: FrontendTransport = {
    async deliver(nodeId, events) {
      if (failing.includes(nodeId)) throw new Error(`${nodeId} is down`)
      sent.set(nodeId, [
        ...(sent.get(nodeId) ?? []),
        ...events.map((e) => `${e.topic}:${JSON.parse(e.json).data}`),
      ])
    },
    close: async () => {},
  }
  return { transport, sent }
}

async function setup(failing: string[] = []) {
  const registry = new MemoryRegistry()
  await registry.addTopics('n1', ['a', 'b'])
  await registry.addTopics('n2', ['b'])
  const { transport, sent } = recordingTransport(failing)
  const forwarded: EncodedEvent[][] = []
  const metrics = createMetrics({ defaultMetrics: false })
  const dispatcher = new Dispatcher({
    registry,
    transport,
    metrics,
    logger: pino({ level: 'silent' }),
    peers: { forward: async (events) => void forwarded.push([...events]) },
  })
  return { dispatcher, sent, forwarded, metrics, registry }
}

const publish = (topic: string, data: unknown) => validatePublish({ topic, data }, 65_536)

describe('Dispatcher', () => {
  it('sends each node only the events of topics it holds, in publish order, in one batch per node', async () => {
    const { dispatcher, sent } = await setup()
    const ids = await dispatcher.publish([publish('a', 1), publish('b', 2), publish('c', 3), publish('a', 4)])
    expect(new Set(ids).size).toBe(4)
    expect(Object.fromEntries(sent)).toEqual({ n1: ['a:1', 'b:2', 'a:4'], n2: ['b:2'] })
  })

  it('serializes each event once, with its id and receipt time, whoever receives it', async () => {
    const { dispatcher } = await setup()
    const [event] = dispatcher.encode([publish('a', { x: 'é' })])
    expect(JSON.parse(event!.json)).toEqual({ topic: 'a', id: event!.id, ts: event!.ts, data: { x: 'é' } })
  })

  it('forwards a backend publish to peers once, but a forwarded one never again', async () => {
    const { dispatcher, forwarded } = await setup()
    await dispatcher.publish([publish('a', 1)])
    await dispatcher.dispatch(dispatcher.encode([publish('a', 2)]))
    expect(forwarded.map((batch) => batch.map((e) => JSON.parse(e.json).data))).toEqual([[1]])
  })

  it('a node that fails is counted and never holds back the others', async () => {
    const { dispatcher, sent, metrics } = await setup(['n1'])
    await dispatcher.publish([publish('b', 1)])
    expect(Object.fromEntries(sent)).toEqual({ n2: ['b:1'] })
    const failures = (await metrics.forwardFailures.get()).values.find((v) => v.labels.target === 'frontend')
    expect(failures?.value).toBe(1)
  })

  it('answers 503 unavailable, and forwards nothing, when the registry cannot be read', async () => {
    const { dispatcher, registry, forwarded } = await setup()
    registry.nodesFor = async () => {
      throw new Error('registry down')
    }
    await expect(dispatcher.publish([publish('a', 1)])).rejects.toMatchObject({
      status: 503,
      code: 'unavailable',
    })
    expect(forwarded).toEqual([])
  })
})
