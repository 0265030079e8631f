import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('./sse-load.c', import.meta.url))
/** Git-ignored (node_modules/): the binary is built on the box that runs it, never committed. */
const cacheDir = fileURLToPath(new URL('../../../../node_modules/.cache/likewire-bench/', import.meta.url))
export const nativeBinary = `${cacheDir}sse-load`

let built: string | null | undefined
let warned = false

const mtime = (file: string) => {
  try {
    return statSync(file).mtimeMs
  } catch {
    return -1
  }
}

/**
 * The native SSE load client, compiled with `cc -O2` on first use and again whenever its source is newer.
 * Returns undefined (after one warning on stderr) where it cannot run: not Linux, or no C compiler.
 */
export function nativeLoadClient(): string | undefined {
  if (built !== undefined) return built ?? undefined
  built = build()
  return built ?? undefined
}

function build(): string | null {
  if (process.platform !== 'linux') return fail('it needs Linux (epoll)')
  if (mtime(nativeBinary) >= mtime(source)) return nativeBinary
  mkdirSync(cacheDir, { recursive: true })
  // built beside, then renamed: a worker never execs a half-written binary
  const partial = `${nativeBinary}.${process.pid}`
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', partial, source], { stdio: 'pipe' })
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer }
    return fail(err.code === 'ENOENT' ? 'no C compiler (cc)' : `cc failed: ${err.stderr?.toString().trim()}`)
  }
  renameSync(partial, nativeBinary)
  return nativeBinary
}

function fail(why: string): null {
  if (!warned) process.stderr.write(`[bench] native load client unavailable (${why}): using the Node one\n`)
  warned = true
  return null
}
