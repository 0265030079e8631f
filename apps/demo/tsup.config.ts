import { defineConfig } from 'tsup'

// The server bundle: our code only; npm and workspace packages stay imports (tsup externalizes dependencies).
export default defineConfig({
  entry: { main: 'src/server/main.ts' },
  outDir: 'dist/server',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
})
