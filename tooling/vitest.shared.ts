import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Workspace packages resolve to their source in tests, so a test never runs against a stale build. */
export const workspaceAlias = {
  '@likewire/server': `${root}packages/server/src/index.ts`,
  '@likewire/client': `${root}packages/client/src/index.ts`,
  '@likewire/react': `${root}packages/react/src/index.ts`,
}

/** Every package writes a JSON report so `npm test` can print one `N passed, N failed` line. */
export function reporters(name: string): NonNullable<import('vitest/node').InlineConfig['reporters']> {
  return ['default', ['json', { outputFile: `${root}.test-results/vitest-${name}.json` }]]
}
