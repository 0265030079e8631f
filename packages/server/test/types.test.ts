import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url))

describe('public types, as users compile them (the built declarations)', () => {
  it('take options from the environment under exactOptionalPropertyTypes', async () => {
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(process.execPath, [tsc, '--noEmit', '-p', project], (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, out: stdout + stderr }),
      )
    })
    expect(result).toEqual({ code: 0, out: '' })
  }, 60_000)
})
