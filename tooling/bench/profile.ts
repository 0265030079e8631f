/**
 * `npm run bench:profile -- <dir>`: where the processes of a `--cpu-prof <dir>` run spent their time, as
 * Markdown (self time per function, socket-write and GC shares): the profiles docs/benchmarks.md cites.
 */
import { Command } from 'commander'
import { formatSummaries } from './lib/profile-summary'

new Command('bench:profile')
  .description('summarize the V8 CPU profiles a `npm run bench -- <scenario> --cpu-prof <dir>` run wrote')
  .argument('<dir>', 'the --cpu-prof directory')
  .option('--top <n>', 'functions per profile', (value: string) => Number.parseInt(value, 10), 15)
  .action((dir: string, flags: { top: number }) => {
    const text = formatSummaries(dir, flags.top)
    process.stdout.write(text ? `${text}\n` : `no busy profile under ${dir}\n`)
  })
  .parse()
