import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { historySection } from './history'
import { writeReport } from './write-report'

const committed = (name: string) => new URL(`../results/${name}`, import.meta.url)

describe('report: History', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('names every result not written yet, with the command that writes it, instead of failing', () => {
    const lines = historySection([{ scenario: 'dispatcher' }, { scenario: 'million-likes' }], undefined)
    const page = lines.join('\n')
    expect(page).toContain('## History')
    expect(page).toContain('| dispatcher | fire-and-forget | not run yet |')
    expect(page).toContain('- `dispatcher-rate20000.json` (`npm run bench -- dispatcher --rate 20000`)')
    expect(page).toContain(
      "- `dispatcher-rate20000-history.json` (`npm run bench -- dispatcher --rate 20000 --history 'live:*=100/300'`)",
    )
    expect(page).toContain(
      "- `million-likes-history.json` (`npm run bench -- million-likes --history 'live:*=100/300'`)",
    )
    expect(page).toContain('- `recovery-storm.json` (`npm run bench -- recovery-storm`)')
  })

  it('pages a pair side by side from results/ (history / fire-and-forget in brackets), the rest as missing', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'))
    const url = pathToFileURL(`${dir}/`)
    // results written before history existed (no `history` key) still read
    copyFileSync(committed('dispatcher.json'), join(dir, 'dispatcher-rate20000.json'))
    const plain = JSON.parse(readFileSync(committed('dispatcher.json'), 'utf8'))
    const history = {
      ...plain,
      publishesPerSec: plain.publishesPerSec / 2,
      history: {
        rules: 'live:*=100/300',
        clients: 4000,
        complete: 4000,
        duplicates: 0,
        missing: 0,
        gaps: 0,
        epochChanges: 0,
      },
    }
    writeFileSync(join(dir, 'dispatcher-rate20000-history.json'), JSON.stringify(history))
    const page = readFileSync(writeReport(url, new URL('page.md', url)), 'utf8')
    const row = page.split('\n').find((line) => line.startsWith('| dispatcher | history `live:*=100/300` |'))
    expect(row).toContain('(x0.5)')
    expect(row).toContain('| 0 / 0 |')
    expect(page).toContain('| million-likes | fire-and-forget | not run yet |')
    expect(page).toContain('- `million-likes.json` (`npm run bench -- million-likes`)')
    expect(page).toContain('- `recovery-storm.json` (`npm run bench -- recovery-storm`)')
    expect(page).not.toContain('`dispatcher-rate20000-history.json` (')
  })
})
