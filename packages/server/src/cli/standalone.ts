import type { Command } from 'commander'
import { listen } from '../http/listen'
import { createLikewire } from '../likewire'
import type { LikewireOptions } from '../options'
import { standalonePrimary } from '../workers/standalone-primary'
import { standaloneWorker } from '../workers/standalone-worker'
import { runWorker, workerIdentity } from '../workers/worker-process'
import {
  type CommonFlags,
  commonOptions,
  corsFlag,
  heartbeatFlag,
  historyFlag,
  listenFlags,
  onShutdown,
  streamFlags,
  streamOptions,
} from './common'
import { type JwtFlags, jwtFlags, jwtOptions } from './jwt-flags'
import { type TlsFlags, tlsFlags, tlsOptions } from './tls-flags'
import { type WorkersFlags, workersOptions, workersPlan } from './workers-flags'

/** `likewire standalone`: the embedded shape, frontend and dispatcher in one process, no Redis. */
export function standaloneCommand(program: Command): void {
  workersOptions(
    jwtOptions(
      tlsOptions(
        streamOptions(
          commonOptions(
            program
              .command('standalone')
              .description(
                'Run frontend and dispatcher with an in-memory registry (no Redis): one process, or --workers',
              ),
          ),
        ),
      ),
    ),
  ).action(async (flags: CommonFlags & TlsFlags & JwtFlags & WorkersFlags) => {
    const plan = workersPlan(flags)
    const workers = plan.count
    const listenOptions = { ...listenFlags(flags), tls: tlsFlags(flags) }
    const options: LikewireOptions = {
      apiKey: flags.apiKey,
      auth: jwtFlags(flags),
      heartbeatMs: heartbeatFlag(flags),
      history: historyFlag(flags),
      ...streamFlags(flags),
      logLevel: flags.logLevel,
      cors: corsFlag(flags.corsOrigins),
      ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
    }
    const worker = workerIdentity()
    if (worker)
      return runWorker((channel) => standaloneWorker(channel, worker, options, listenOptions), onShutdown)
    // curl trusts the certificate given as its CA, self-signed or not (it accepts a partial chain)
    const curl = listenOptions.tls ? `curl --cacert '${flags.tlsCert}'` : 'curl'
    if (workers > 1) {
      const node = await standalonePrimary(options, plan)
      banner(`${node.url} (${workers} workers, one node)`, node.url, curl)
      onShutdown(() => node.close())
      return
    }
    const lw = createLikewire(options)
    const listening = await listen(lw, listenOptions).catch(async (error) => {
      await lw.close()
      throw error
    })
    banner(listening.url, listening.url, curl)
    onShutdown(async () => {
      await lw.close()
      await listening.close()
    })
  })
}

function banner(where: string, url: string, curl: string): void {
  console.log(`likewire standalone listening on ${where}`)
  console.log(`  stream:  ${curl} -N '${url}/v1/connect?topics=demo'`)
  console.log(
    `  publish: ${curl} -X POST ${url}/v1/publish -H 'Content-Type: application/json' -d '{"topic":"demo","data":{"hello":"world"}}'`,
  )
}
