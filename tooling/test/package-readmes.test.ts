import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const packages = ['server', 'client', 'react']

describe('published package READMEs and metadata', () => {
  it.each(packages)(
    '@likewire/%s: README links work on npm (absolute), and package.json names the repository',
    (name) => {
      const readme = readFileSync(`${root}packages/${name}/README.md`, 'utf8')
      const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
      expect(links.length).toBeGreaterThan(0)
      // relative links resolve against npmjs.com on the package page: only absolute URLs and anchors work there
      expect(links.filter((link) => !/^(https?:\/\/|#)/.test(link))).toEqual([])
      const manifest = JSON.parse(readFileSync(`${root}packages/${name}/package.json`, 'utf8'))
      expect(manifest.repository).toMatchObject({ type: 'git', directory: `packages/${name}` })
      expect(manifest.license).toBe('MIT')
      expect(readFileSync(`${root}packages/${name}/LICENSE`, 'utf8')).toMatch(/^MIT License/)
    },
  )
})
