import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { writeReport } from './write-report'

const committed = (name: string) => new URL(`../results/${name}`, import.meta.url)

describe('report: runs with other flags', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('pages every <scenario>-<variant>.json with its command and verdict; history files and the defaults stay out of it', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-variants-'))
    copyFileSync(committed('capacity.json'), join(dir, 'capacity.json'))
    copyFileSync(committed('capacity-workers2.json'), join(dir, 'capacity-workers2.json'))
    copyFileSync(committed('million-likes-history.json'), join(dir, 'million-likes-history.json'))
    const url = pathToFileURL(`${dir}/`)
    const page = readFileSync(writeReport(url, new URL('page.md', url)), 'utf8')
    const section = page.slice(page.indexOf('### The same scenarios with other flags'))
    const rows = section.split('\n').filter((line) => line.startsWith('| `npm run bench'))
    const variant = JSON.parse(readFileSync(committed('capacity-workers2.json'), 'utf8'))
    expect(rows).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\| \`${variant.command}\` \\| .* held, ${variant.serverRssPerConnectionKiB} KiB/conn \\| ${variant.ranAt.slice(0, 10)} \\| ${variant.met ? 'met' : '\\*\\*missed\\*\\*'} \\|$`,
        ),
      ),
    ])
  })

  it('leaves the section out when there is no variant', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-variants-'))
    copyFileSync(committed('capacity.json'), join(dir, 'capacity.json'))
    const url = pathToFileURL(`${dir}/`)
    const page = readFileSync(writeReport(url, new URL('page.md', url)), 'utf8')
    expect(page).not.toContain('with other flags')
  })
})
