import { describe, expect, it, vi } from 'vitest'
import { MemoryRegistry } from './memory-registry'

describe('MemoryRegistry', () => {
  it('maps topics to nodes, replaces a node wholesale, and removes a node with everything it held', async () => {
    const registry = new MemoryRegistry()
    await registry.registerNode({ nodeId: 'a', url: '' })
    await registry.addTopics('a', ['t1', 't2'])
    await registry.addTopics('b', ['t2'])
    expect(await registry.nodesFor(['t1', 't2', 't3'])).toEqual(
      new Map([
        ['t1', ['a']],
        ['t2', ['a', 'b']],
      ]),
    )
    await registry.replaceTopics('a', ['t3'])
    expect(await registry.nodesFor(['t1', 't2', 't3'])).toEqual(
      new Map([
        ['t2', ['b']],
        ['t3', ['a']],
      ]),
    )
    await registry.setViewerCounts('b', [['t2', 5]])
    await registry.setViewerCounts('a', [['t2', 1]])
    await registry.removeTopics('b', ['t2']) // a drain: the topic and its viewers there go together
    expect(await registry.viewerCounts(['t2'])).toEqual([1])
    await registry.setViewerCounts('a', [['t3', 2]])
    await registry.removeNode('a')
    expect(await registry.nodesFor(['t3'])).toEqual(new Map())
    expect(await registry.viewerCounts(['t3'])).toEqual([0])
    expect(await registry.node('a')).toBeUndefined()
  })

  it('prunes only a node without a lease, and sums viewer counts over nodes', async () => {
    const registry = new MemoryRegistry()
    await registry.registerNode({ nodeId: 'alive', url: '' })
    await registry.addTopics('alive', ['t'])
    await registry.addTopics('gone', ['t'])
    expect(await registry.pruneNode('alive')).toBe(false)
    expect(await registry.pruneNode('gone')).toBe(true)
    expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', ['alive']]]))
    await registry.setViewerCounts('alive', [['t', 3]])
    await registry.setViewerCounts('other', [['t', 4]])
    expect(await registry.viewerCounts(['t'])).toEqual([7])
    await registry.setViewerCounts('other', [['t', 0]])
    expect(await registry.viewerCounts(['t'])).toEqual([3])
  })

  it('gives a viewer count window to one of the nodes sharing it, as Redis does (workers of one node share one)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const registry = new MemoryRegistry()
      expect(await registry.claimViewerPublish('t', 500)).toBe(true)
      expect(await registry.claimViewerPublish('t', 500)).toBe(false) // another node, same window
      expect(await registry.claimViewerPublish('u', 500)).toBe(true) // windows are per topic
      vi.advanceTimersByTime(500)
      expect(await registry.claimViewerPublish('t', 500)).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})
