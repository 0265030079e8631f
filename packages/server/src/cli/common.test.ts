import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { defaultOptions } from '../options'
import { type CommonFlags, streamFlags, streamOptions } from './common'

describe('streamOptions', () => {
  it("gives the library's flush defaults when no flag is passed (commander's defaults are the ones used)", () => {
    const command = streamOptions(new Command('standalone').exitOverride()).parse([], { from: 'user' })
    const flags = streamFlags(command.opts<CommonFlags>())
    expect(flags.flushWindowMs).toBe(defaultOptions.flushWindowMs)
    expect(flags.maxFlushWindowMs).toBe(defaultOptions.maxFlushWindowMs)
    expect(flags.maxFlushWindowMs).toBe(200)
  })
})
