import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type SpawnedProcess, spawnProcess } from '@likewire/testkit'

const MAIN = fileURLToPath(new URL('../dist/server/main.js', import.meta.url))
const READY = /likewire demo: (http:\/\/\S+)/

/** The built demo server as a child process: started on a free port, stoppable, restartable on the same port. */
export class DemoServer {
  private process: SpawnedProcess | null = null

  private constructor(
    public port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /**
   * Starts on `port`; 0 lets the OS pick a free one (read back from the server's first line). `env` goes
   * on top of ours, e.g. `{ PRESENCE_GRACE_MS: '1500' }`.
   */
  static async start(port = 0, env: Record<string, string> = {}): Promise<DemoServer> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` in apps/demo first`)
    const server = new DemoServer(port, env)
    await server.launch()
    return server
  }

  private async launch(): Promise<void> {
    this.process = await spawnProcess(process.execPath, [MAIN], {
      name: 'demo server',
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      ready: READY,
    })
    const [, url] = await this.process.waitForLine(READY)
    this.port = Number(new URL(url!).port)
  }

  /** Stops the server (SIGTERM: the graceful path, with reconnect hints) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = this.process
    this.process = null
    await running?.stop(signal)
  }

  /** Stops and starts again on the same port, as an operator's restart would. */
  async restart(): Promise<void> {
    await this.stop()
    await this.launch()
  }
}
