import { defineConfig } from 'vitest/config'
import { reporters, workspaceAlias } from './vitest.shared'

export default defineConfig({
  resolve: { alias: workspaceAlias },
  test: {
    include: ['scripts/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: reporters('tooling'),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
