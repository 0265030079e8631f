import { defineConfig } from 'vitest/config'
import { reporters, workspaceAlias } from '../../tooling/vitest.shared'

export default defineConfig({
  resolve: { alias: workspaceAlias },
  test: {
    include: ['src/**/*.test.ts'],
    reporters: reporters('demo'),
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
