// README.md is what npm shows: its examples must compile (strictest settings), its links must resolve there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { StateReason } from '../src/index'
import { typecheck } from './typecheck'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')

describe('README.md', () => {
  it('its TypeScript examples compile with exactOptionalPropertyTypes', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(blocks.length).toBeGreaterThan(2)
    const dir = mkdtempSync(join(tmpdir(), 'likewire-readme-'))
    try {
      // each example is its own module, resolving @likewire/client to this package's source
      const files = blocks.map((code, i) => {
        writeFileSync(join(dir, `example-${i}.ts`), `${code}\nexport {}\n`)
        return `example-${i}.ts`
      })
      // the React Native example's one foreign import, typed as the library types it
      writeFileSync(
        join(dir, 'netinfo.d.ts'),
        "declare module '@react-native-community/netinfo' {\n" +
          '  const NetInfo: { addEventListener(cb: (s: { isConnected: boolean | null }) => void): () => void }\n' +
          '  export default NetInfo\n}\n' +
          // and react-native's AppState, as React Native types it
          "declare module 'react-native' {\n" +
          '  export const AppState: {\n' +
          '    currentState: string\n' +
          "    addEventListener(type: 'change', cb: (state: string) => void): { remove(): void }\n" +
          '  }\n}\n',
      )
      const tsconfig = {
        extends: join(packageDir, '../../tooling/tsconfig/base.json'),
        compilerOptions: {
          exactOptionalPropertyTypes: true,
          noUnusedLocals: false,
          types: ['node'],
          typeRoots: [join(packageDir, '../../node_modules/@types')],
          paths: { '@likewire/client': [join(packageDir, 'src/index.ts')] },
        },
        files: [...files, 'netinfo.d.ts'],
      }
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
      const { status, output } = typecheck(join(dir, 'tsconfig.json'))
      expect(output).toBe('')
      expect(status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000) // a ceiling: tsc on a loaded 2-core machine

  it('links only to absolute URLs or anchors: a relative link breaks on npmjs.com', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
    expect(targets.filter((t) => !/^(https:\/\/|#)/.test(t))).toEqual([])
    // a repository document is named only inside a link to it on GitHub
    const unlinked = readme.replace(
      /\[[^\]]*\]\(https:\/\/github\.com\/likewire\/likewire\/blob\/main\/[^)]+\)/g,
      '',
    )
    expect(unlinked.match(/\bdocs\/[\w.-]+\.md/g)).toBeNull()
  })

  it('lists every StateReason key with its value, as the code has them', () => {
    const listed = [...readme.matchAll(/^\| `StateReason\.(\w+)` +\| `'([a-z_]+)'`/gm)].map((m) => [
      m[1],
      m[2],
    ])
    expect(Object.fromEntries(listed)).toEqual(StateReason)
  })
})
