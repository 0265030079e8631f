import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Workspace packages resolve to their source in tests, so a test never runs against a stale build. */
export const workspaceAlias = [
  { find: /^@likewire\/server$/, replacement: `${root}packages/server/src/index.ts` },
  { find: /^@likewire\/server\/cluster$/, replacement: `${root}packages/server/src/cluster/index.ts` },
  { find: /^@likewire\/client$/, replacement: `${root}packages/client/src/index.ts` },
  { find: /^@likewire\/react$/, replacement: `${root}packages/react/src/index.ts` },
]

/** Every package writes a JSON report so `npm test` can print one `N passed, N failed` line. */
export function reporters(name: string): NonNullable<import('vitest/node').InlineConfig['reporters']> {
  return ['default', ['json', { outputFile: `${root}.test-results/vitest-${name}.json` }]]
}
