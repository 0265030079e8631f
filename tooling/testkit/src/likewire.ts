import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { freePort } from './ports'
import { type SpawnedProcess, spawnProcess } from './processes'

export type LikewireRole = 'standalone' | 'frontend' | 'dispatcher'

export interface LikewireProcess extends SpawnedProcess {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
}

export interface LikewireOptions {
  /** A port chosen beforehand, e.g. one peers must know before it starts; default a free one. */
  port?: number
  /** `--log-level`; default `warn`, so the kept output is what matters. */
  logLevel?: string
  env?: NodeJS.ProcessEnv
}

/**
 * The `likewire` CLI as npm installs it: the file named by the "bin" field of @likewire/server's
 * package.json, so a move of the CLI (e.g. to a bin shim) is followed without a change here.
 */
export function likewireBin(): string {
  const manifest = createRequire(import.meta.url).resolve('@likewire/server/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> }
  const relative = typeof bin === 'string' ? bin : bin?.likewire
  if (!relative) throw new Error(`${manifest} has no "bin" entry for likewire`)
  const file = join(dirname(manifest), relative)
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run build\` (the likewire CLI is built)`)
  return file
}

/**
 * A real `likewire <role>` process on 127.0.0.1, resolved once it prints `listening on`; `args` come after
 * the kit's `--port`, `--host` and `--log-level`, so they can override them.
 */
export async function spawnLikewire(
  role: LikewireRole,
  args: string[] = [],
  options: LikewireOptions = {},
): Promise<LikewireProcess> {
  const port = options.port ?? (await freePort())
  const cli = likewireBin()
  const flags = ['--port', String(port), '--host', '127.0.0.1', '--log-level', options.logLevel ?? 'warn']
  const likewire = await spawnProcess(process.execPath, [cli, role, ...flags, ...args], {
    name: `likewire ${role}`,
    env: options.env,
    ready: /listening on/,
  })
  return { ...likewire, url: `http://127.0.0.1:${port}`, port }
}
