import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // a subpath of its own: the root entry never loads ioredis
    cluster: 'src/cluster/index.ts',
    cli: 'src/cli.ts',
    // a module a worker thread runs (the lease keeper), not an API
    'lease-worker': 'src/registry/lease-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', cluster: 'src/cluster/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CommonJS build (the lease keeper finds its worker module with it)
  shims: true,
})
