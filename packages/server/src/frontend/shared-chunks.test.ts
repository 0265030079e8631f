import { describe, expect, it } from 'vitest'
import { chunkOf, SharedChunks } from './shared-chunks'

const frame = (text: string) => Buffer.from(`data: ${text}\n\n`)

describe('SharedChunks', () => {
  it('builds one HTTP/1.1 chunk for every connection with the same frames', () => {
    const shared = new SharedChunks()
    const [a, b] = [frame('a'), frame('b')]
    const bytes = a.length + b.length
    const first = shared.chunked([a, b], bytes)
    expect(first.toString()).toBe(`${bytes.toString(16)}\r\ndata: a\n\ndata: b\n\n\r\n`)
    expect(shared.chunked([a, b], bytes)).toBe(first) // another subscriber's queue: the same Buffer
    expect(first).toEqual(chunkOf([a, b], bytes))
  })

  it('builds again for other frames, and after a clear', () => {
    const shared = new SharedChunks()
    const [a, b] = [frame('a'), frame('b')]
    const ab = shared.chunked([a, b], a.length + b.length)
    expect(shared.chunked([a], a.length).toString()).toBe(`${a.length.toString(16)}\r\ndata: a\n\n\r\n`)
    // equal bytes in another Buffer are other frames: never trusted to be the same
    expect(shared.chunked([a, frame('b')], ab.length - 7)).not.toBe(ab)
    const again = shared.chunked([a], a.length)
    shared.clear()
    const rebuilt = shared.chunked([a], a.length)
    expect(rebuilt).not.toBe(again)
    expect(rebuilt).toEqual(again)
  })

  it('is not fooled by a queue changed after it was written', () => {
    const shared = new SharedChunks()
    const [a, b] = [frame('a'), frame('b')]
    const queue = [a]
    shared.chunked(queue, a.length)
    queue.push(b)
    expect(shared.chunked(queue, a.length + b.length).toString()).toContain('data: a\n\ndata: b\n\n')
    queue[1] = frame('c')
    expect(shared.joined(queue, a.length + b.length).toString()).toBe('data: a\n\ndata: c\n\n')
  })

  it('joins frames without framing, a single frame as itself', () => {
    const shared = new SharedChunks()
    const [a, b] = [frame('a'), frame('b')]
    expect(shared.joined([a], a.length)).toBe(a)
    const ab = shared.joined([a, b], a.length + b.length)
    expect(ab.toString()).toBe('data: a\n\ndata: b\n\n')
    expect(shared.joined([a, b], a.length + b.length)).toBe(ab)
  })
})
