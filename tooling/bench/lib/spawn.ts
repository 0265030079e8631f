import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The tooling package folder: children run from it so `--import tsx` resolves. */
export const toolingDir = fileURLToPath(new URL('../..', import.meta.url))

export interface SpawnOptions {
  env?: Record<string, string>
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[]
  /** Prefix of the child's output lines, echoed to our stderr. */
  label?: string
  /** Sees every output line (stdout and stderr) of the child. */
  onStderr?: (line: string) => void
}

/** Forks a TypeScript module of the bench as a child process with an IPC channel. */
export function spawnTs(modulePath: string, options: SpawnOptions = {}): ChildProcess {
  const child = fork(fileURLToPath(new URL(modulePath, import.meta.url)), [], {
    cwd: toolingDir,
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  // pino logs to stdout: both streams are echoed with a prefix and scanned for errors
  for (const stream of [child.stdout, child.stderr]) {
    let rest = ''
    stream?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (rest + text).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        options.onStderr?.(line)
        if (line.trim()) process.stderr.write(`  ${options.label ?? 'child'}| ${line}\n`)
      }
    })
  }
  return child
}

/** Resolves with the first IPC message matching `predicate`, rejects if the child exits first. */
export function nextMessage<T>(
  child: ChildProcess,
  predicate: (message: { type?: string }) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (!predicate(message)) return
      cleanup()
      resolve(message as unknown as T)
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`child exited (${code}) before answering`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error('child did not answer in time'))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Ends a child we started: asks politely over IPC, then SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.connected) child.send({ type: 'close' })
    else child.kill('SIGTERM')
  })
}

/** Ends a child that has no IPC (nginx, a CLI node): SIGTERM, then SIGKILL after `graceMs`. */
export async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  child.kill('SIGTERM')
  await exited
  clearTimeout(timer)
}

/** Until `url` answers 2xx; fails if the child exited first (its stderr says why) or after `timeoutMs`. */
export async function waitAnswering(
  child: ChildProcess,
  url: string,
  label: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited (${child.exitCode}) before listening`)
    const up = await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000} s`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
