// resumeFrom through the real client over a fake fetch: the server resumes a fresh topic from the lowest
// position asked; a held topic serves a joining callback from its recent buffer, or tells it a gap.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LikewireGap } from './event'
import { frame, settle, setup, useFakeTime } from './testing/harness'
import { param } from './testing/history'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

describe('history topics: resumeFrom', () => {
  it('a fresh topic resumes from the lowest position its callbacks asked; each gets each offset once', async () => {
    const t = setup()
    const a: unknown[] = []
    const b: unknown[] = []
    t.client.subscribe('chat:1', (e) => a.push(e.data), { resumeFrom: { epoch: 'E1', offset: 5 } })
    t.client.subscribe('chat:1', (e) => b.push(e.data), { resumeFrom: { epoch: 'E1', offset: 3 } })
    await settle()
    expect(param(t.server.connects()[0]!.url, 'resume')).toBe('chat:1~E1~3')
    const stream = t.server.lastStream()
    stream.push(
      frame.connected('conn-1') + [4, 5, 6, 6].map((n) => frame.positioned('chat:1', 'E1', n)).join(''),
    )
    await settle()
    expect(a).toEqual([6])
    expect(b).toEqual([4, 5, 6])
    t.client.close()
  })

  it('a callback joining a held topic gets what followed its position from the buffer, or a gap', async () => {
    const t = setup({ keepRecent: 3 })
    t.client.subscribe('chat:1', () => {})
    await settle()
    const stream = t.server.lastStream()
    stream.push(
      frame.connected('conn-1') + [1, 2, 3, 4, 5].map((n) => frame.positioned('chat:1', 'E1', n)).join(''),
    )
    await settle()
    const back: unknown[] = []
    t.client.subscribe('chat:1', (e) => back.push(e.data), { resumeFrom: { epoch: 'E1', offset: 3 } })
    const gone: unknown[] = []
    const gaps: LikewireGap[] = []
    t.client.subscribe('chat:1', (e) => gone.push(e.data), {
      resumeFrom: { epoch: 'E1', offset: 1 }, // the buffer keeps 3-5: 2 is gone
      onGap: (gap) => gaps.push(gap),
    })
    await settle()
    stream.push(frame.positioned('chat:1', 'E1', 6))
    await settle()
    expect(back).toEqual([4, 5, 6])
    expect(gaps).toEqual([{ topic: 'chat:1', reason: 'expired', position: { epoch: 'E1', offset: 5 } }])
    expect(gone).toEqual([6])
    expect(t.server.posts('/v1/subscribe')).toEqual([]) // the stream had the topic: nothing asked of the server
    t.client.close()
  })

  it('refuses a resumeFrom that is not a position', () => {
    const t = setup()
    expect(() =>
      t.client.subscribe('chat:1', () => {}, { resumeFrom: { epoch: 'no spaces', offset: 1 } }),
    ).toThrow(/resumeFrom must be an event position/)
    t.client.close()
  })
})
