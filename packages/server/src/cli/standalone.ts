import type { Command } from 'commander'
import { listen } from '../http/listen'
import { createLikewire } from '../likewire'
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

/** `likewire standalone`: the embedded shape, frontend and dispatcher in one process, no Redis. */
export function standaloneCommand(program: Command): void {
  jwtOptions(
    tlsOptions(
      streamOptions(
        commonOptions(
          program
            .command('standalone')
            .description('Run frontend and dispatcher in one process with an in-memory registry (no Redis)'),
        ),
      ),
    ),
  ).action(async (flags: CommonFlags & TlsFlags & JwtFlags) => {
    const listenOptions = { ...listenFlags(flags), tls: tlsFlags(flags) }
    const lw = createLikewire({
      apiKey: flags.apiKey,
      auth: jwtFlags(flags),
      heartbeatMs: heartbeatFlag(flags),
      history: historyFlag(flags),
      ...streamFlags(flags),
      logLevel: flags.logLevel,
      cors: corsFlag(flags.corsOrigins),
      ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
    })
    const listening = await listen(lw, listenOptions).catch(async (error) => {
      await lw.close()
      throw error
    })
    // curl trusts the certificate given as its CA, self-signed or not (it accepts a partial chain)
    const curl = listenOptions.tls ? `curl --cacert '${flags.tlsCert}'` : 'curl'
    console.log(`likewire standalone listening on ${listening.url}`)
    console.log(`  stream:  ${curl} -N '${listening.url}/v1/connect?topics=demo'`)
    console.log(
      `  publish: ${curl} -X POST ${listening.url}/v1/publish -H 'Content-Type: application/json' -d '{"topic":"demo","data":{"hello":"world"}}'`,
    )
    onShutdown(async () => {
      await lw.close()
      await listening.close()
    })
  })
}
