#!/usr/bin/env node
import { createProgram } from './cli/program'

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // startup errors (port taken, bad flag, Redis unreachable) are one clear line, not a stack trace
    console.error(`likewire: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
