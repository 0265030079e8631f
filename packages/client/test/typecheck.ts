// Runs the real TypeScript compiler on a project, for tests about what a user's code type-checks against.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** Type-checks the project at `tsconfigPath`; `output` holds tsc's diagnostics, one per line. */
export function typecheck(tsconfigPath: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [tsc, '-p', tsconfigPath, '--noEmit', '--pretty', 'false'], {
    encoding: 'utf8',
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() }
}
