import { describe, expect, it } from 'vitest'
import { LikewireError } from '../protocol/errors'
import { recoveryFromBody, recoveryFromQuery } from './recovery-params'

const noHistory = () => []
/** The refusal a call throws: its code, and its message (for humans, never the input echoed whole). */
function refusal(call: () => unknown): { code: string; message: string } {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(LikewireError)
    return { code: (error as LikewireError).code, message: (error as LikewireError).message }
  }
  throw new Error('not refused')
}

describe('resume and rewind parameters', () => {
  // found by the route fuzz: a 400-digit offset came back whole in the message
  it('a refusal names a huge input without echoing it back', () => {
    const huge = 'x'.repeat(5_000)
    const refusals = [
      refusal(() => recoveryFromQuery({ resume: `t~e~1${'0'.repeat(400)}` }, ['t'], noHistory)),
      refusal(() => recoveryFromQuery({ resume: `t~${huge}~1` }, ['t'], noHistory)),
      refusal(() => recoveryFromQuery({ rewind: `t~${'9'.repeat(5_000)}` }, ['t'], noHistory)),
      refusal(() => recoveryFromQuery({ resume: `${huge}~e~1` }, ['t'], noHistory)),
      refusal(() => recoveryFromBody({ resume: { [huge]: { epoch: 'e', offset: 1 } } }, ['t'])),
      refusal(() => recoveryFromBody({ rewind: { [huge]: 0 } }, [huge])),
    ]
    for (const { code, message } of refusals) {
      expect(code).toBe('invalid_request')
      expect(message.length).toBeLessThan(200)
    }
  })

  it('reads positions and counts, a resume winning over a rewind of the same topic', () => {
    const query = recoveryFromQuery({ resume: 'a~E1~3', rewind: 'a~2,b~5' }, ['a', 'b'], noHistory)
    expect([...query]).toEqual([
      ['a', { resume: { epoch: 'E1', offset: 3 } }],
      ['b', { rewind: 5 }],
    ])
    const body = recoveryFromBody({ resume: { a: { epoch: 'E1', offset: 0 } }, rewind: { b: 10_000 } }, [
      'a',
      'b',
    ])
    expect([...body]).toEqual([
      ['b', { rewind: 10_000 }],
      ['a', { resume: { epoch: 'E1', offset: 0 } }],
    ])
  })
})
