import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const src = join(pkg, 'src')
const dist = join(pkg, 'dist')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}
const sources = files(src).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))

/** Every bare module an ESM file of dist loads, following its relative imports (the chunks). */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const [, specifier] of text.matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)) {
      if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!))
      else bare.add(specifier!)
    }
  }
  visit(entry)
  return bare
}

describe('the shape of the server package', () => {
  it.each(['index.js', 'index.cjs'])(
    'the root entry (%s) never loads ioredis or the lease worker',
    (file) => {
      expect(existsSync(join(dist, file)), 'run npm run build first').toBe(true)
      const loaded = bareImports(join(dist, file))
      expect(loaded).toContain('hono') // the walk does see the entry's imports
      expect([...loaded].filter((m) => m.includes('ioredis') || m.includes('worker_threads'))).toEqual([])
    },
  )

  it('the cluster entry is where ioredis comes from', () => {
    expect(bareImports(join(dist, 'cluster.js'))).toContain('ioredis')
  })

  it('no source file outside registry/ talks to Redis', () => {
    const talking = sources.filter((file) => /from ['"]ioredis['"]/.test(readFileSync(file, 'utf8')))
    expect(
      talking.map((file) => relative(src, file)).filter((file) => !file.startsWith('registry/')),
    ).toEqual([])
    expect(talking.length).toBeGreaterThan(0)
  })

  it('no worker runs code from a string', () => {
    const evaled = sources.filter((file) => /eval:\s*true/.test(readFileSync(file, 'utf8')))
    expect(evaled).toEqual([])
  })

  it('no source file is over 300 lines', () => {
    const long = sources
      .map((file) => [relative(src, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 300)
    expect(long).toEqual([])
  })
})
