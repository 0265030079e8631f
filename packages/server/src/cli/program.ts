import { Command } from 'commander'
import { version } from '../../package.json'
import { dispatcherCommand } from './dispatcher'
import { frontendCommand } from './frontend'
import { standaloneCommand } from './standalone'

/** The `likewire` command line: one subcommand per deployment role. */
export function createProgram(): Command {
  const program = new Command('likewire')
    .description('Likewire: real-time topic publish/subscribe over Server-Sent Events')
    .version(version, '-v, --version')
    .showHelpAfterError()
  standaloneCommand(program)
  frontendCommand(program)
  dispatcherCommand(program)
  return program
}
