#!/usr/bin/env node
// npm links a package's bin at install time only if its file exists; this committed shim always does,
// and loads the CLI that `npm run build` writes to dist/.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  console.error('likewire: the CLI is not built yet: run `npm run build` first')
  process.exit(1)
}
await import(cli.href)
