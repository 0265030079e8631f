// A user's code compiled with exactOptionalPropertyTypes may pass `undefined` to any optional option.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { typecheck } from '../typecheck'

describe('public option types', () => {
  it('accept an explicit undefined on every optional field under exactOptionalPropertyTypes', () => {
    const { status, output } = typecheck(fileURLToPath(new URL('./tsconfig.json', import.meta.url)))
    expect(output).toBe('')
    expect(status).toBe(0)
  }, 60_000) // a ceiling: tsc on a loaded 2-core machine
})
