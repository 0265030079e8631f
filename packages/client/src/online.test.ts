import { afterEach, describe, expect, it, vi } from 'vitest'
import { alwaysOnline, windowOnlineSource } from './online'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('windowOnlineSource', () => {
  it('is always online where window has no addEventListener (React Native)', () => {
    vi.stubGlobal('window', {})
    expect(windowOnlineSource()).toBe(alwaysOnline)
  })

  it('is always online without window (Node)', () => {
    expect(windowOnlineSource()).toBe(alwaysOnline)
  })

  it('follows window online/offline events and navigator.onLine, and removes its listeners', () => {
    const target = new EventTarget()
    vi.stubGlobal('window', target)
    vi.stubGlobal('navigator', { onLine: false })
    const source = windowOnlineSource()
    expect(source.isOnline()).toBe(false)
    const seen: boolean[] = []
    const stop = source.subscribe((online) => seen.push(online))
    target.dispatchEvent(new Event('online'))
    target.dispatchEvent(new Event('offline'))
    stop()
    target.dispatchEvent(new Event('online'))
    expect(seen).toEqual([true, false])
  })
})
