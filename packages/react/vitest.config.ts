import { defineConfig } from 'vitest/config'
import { reporters, workspaceAlias } from '../../tooling/vitest.shared'

export default defineConfig({
  resolve: { alias: workspaceAlias },
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    reporters: reporters('react'),
    testTimeout: 20_000,
  },
})
