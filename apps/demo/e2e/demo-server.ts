import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../dist/server/main.js', import.meta.url))
const READY = /likewire demo: (http:\/\/\S+)/

/** The built demo server as a child process: started on a free port, stoppable, restartable on the same port. */
export class DemoServer {
  private child: ChildProcess | null = null
  private output = ''

  private constructor(public port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Starts on `port`; 0 lets the OS pick a free one (read back from the server's first line). */
  static async start(port = 0): Promise<DemoServer> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` in apps/demo first`)
    const server = new DemoServer(port)
    await server.launch()
    return server
  }

  private launch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN], {
        env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      this.child = child
      this.output = ''
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString()
        const match = READY.exec(this.output)
        if (match?.[1]) {
          this.port = Number(new URL(match[1]).port)
          resolve()
        }
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', (chunk: Buffer) => {
        this.output += chunk.toString()
      })
      child.once('exit', (code) => {
        reject(new Error(`demo server exited (${code}) before it was ready:\n${this.output}`))
      })
    })
  }

  /** Stops the server (SIGTERM: the graceful path, with reconnect hints) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child
    this.child = null
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill(signal)
    })
  }

  /** Stops and starts again on the same port, as an operator's restart would. */
  async restart(): Promise<void> {
    await this.stop()
    await this.launch()
  }
}
