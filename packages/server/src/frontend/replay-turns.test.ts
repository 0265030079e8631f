import { describe, expect, it } from 'vitest'
import { ReplayTurns } from './replay-turns'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('ReplayTurns (replays share the event loop)', () => {
  it('lets at most a turn of bytes through per turn of the loop, the rest in later turns, in the order asked', async () => {
    const turns = new ReplayTurns(100)
    const order: string[] = []
    // three replays of three slices of 40 bytes each, all asking at once
    const replay = async (name: string) => {
      for (let slice = 0; slice < 3; slice++) {
        const wait = turns.take(40)
        if (wait) await wait
        order.push(`${name}${slice}`)
      }
    }
    const done = Promise.all(['a', 'b', 'c'].map(replay))
    // this turn: up to 100 bytes (three slices of 40: the one that crosses the bound is the last)
    expect(order).toEqual(['a0', 'a1', 'a2'])
    await nextTurn()
    // the next turn: the waiting ones in the order they asked, until past 100 bytes
    expect(order.slice(3)).toEqual(['b0', 'b1', 'c0'])
    await done
    expect(order).toHaveLength(9)
    // each replay's slices in order, and no replay overtaken by a later one in a turn
    for (const name of ['a', 'b', 'c'])
      expect(order.filter((o) => o.startsWith(name))).toEqual([`${name}0`, `${name}1`, `${name}2`])
  })

  it('does not hold a lone small replay', () => {
    const turns = new ReplayTurns(100)
    expect(turns.take(10)).toBeUndefined()
    expect(turns.take(10)).toBeUndefined()
  })
})
