import { type ChildProcess, spawn } from 'node:child_process'

export interface SpawnOptions {
  /** Named in failure messages, e.g. `likewire dispatcher`; default the command. */
  name?: string
  /** The child's whole environment; default ours. */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** spawnProcess resolves once the output (stdout or stderr) matches this. */
  ready?: RegExp
  /** How long `ready` may take before the process is killed and the start fails. */
  readyTimeoutMs?: number
}

export interface SpawnedProcess {
  child: ChildProcess
  name: string
  /** Everything it printed so far, stdout and stderr interleaved: for failure messages. */
  output(): string
  /** The first match of `pattern` in the output, once printed; rejects with the output if the process ends first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves once the process has exited (its output complete). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** `signal` (SIGTERM: the graceful path), then SIGKILL if still running after `graceMs`; resolves once exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
  /** kill -9: no drain, no cleanup, as a crash. */
  kill9(): Promise<void>
}

/** Output kept per process: a long-running `npm run cluster` must not grow without bound. */
const OUTPUT_LIMIT = 4 * 2 ** 20

/** Children still running: killed when this process exits, however it exits, so none is left behind. */
const live = new Set<ChildProcess>()
let exitHook = false
function track(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const running of live) running.kill('SIGKILL')
  })
}

/** Spawns `command` with its output kept; with `ready`, resolves once that line is printed. */
export async function spawnProcess(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<SpawnedProcess> {
  const name = options.name ?? command
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)
  let output = ''
  let closed = false
  const watchers = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    output += chunk
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2)
    for (const watch of watchers) watch()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  // 'close' (not 'exit') comes after the last output, so a failure message holds all of it
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      output += `\n${error.message}`
    })
    child.once('close', (code, signal) => {
      closed = true
      for (const watch of watchers) watch()
      resolve({ code, signal })
    })
  })

  const waitForLine = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const finish = (error: Error | null, match?: RegExpExecArray) => {
        watchers.delete(watch)
        clearTimeout(timer)
        if (error) reject(error)
        else resolve(match!)
      }
      const watch = () => {
        const match = pattern.exec(output)
        if (match) finish(null, match)
        else if (closed) {
          const how = child.signalCode ?? `code ${child.exitCode}`
          finish(new Error(`${name} exited (${how}) before printing ${pattern}:\n${output}`))
        }
      }
      const timer = setTimeout(
        () => finish(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      )
      watchers.add(watch)
      watch()
    })

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) => {
    if (closed) return
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(force)
  }

  const spawned: SpawnedProcess = {
    child,
    name,
    output: () => output,
    waitForLine,
    exited,
    stop,
    kill9: () => stop('SIGKILL'),
  }
  if (options.ready) {
    try {
      await waitForLine(options.ready, options.readyTimeoutMs)
    } catch (error) {
      await spawned.kill9()
      throw error
    }
  }
  return spawned
}
