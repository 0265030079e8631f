import { type Command, Option } from 'commander'
import { createDispatcherNode } from '../cluster/dispatcher-node'
import { listen } from '../http/listen'
import { type ClusterFlags, clusterOptions, datacenterFlags, requireSecret } from './cluster-flags'
import { type CommonFlags, commonOptions, corsFlag, historyFlag, listenFlags, onShutdown } from './common'

/** `likewire dispatcher`: stateless; takes publishes and forwards them to subscribed frontends. */
export function dispatcherCommand(program: Command): void {
  clusterOptions(
    commonOptions(
      program.command('dispatcher').description('Run a dispatcher node: takes publishes (cluster mode)'),
    ),
  )
    .addOption(
      new Option(
        '--dc <name>',
        "this datacenter's name, 1-64 of A-Za-z0-9_.-; required with --peers (default: dc1)",
      ).env('LIKEWIRE_DC'),
    )
    .addOption(
      new Option('--peers <list>', 'peer datacenters: dc2=URL[|URL],dc3=URL (dispatcher URLs)').env(
        'LIKEWIRE_PEERS',
      ),
    )
    .action(async (flags: CommonFlags & ClusterFlags & { dc?: string; peers?: string }) => {
      const secret = requireSecret(flags)
      const { dc, peers } = datacenterFlags(flags)
      const listenOptions = listenFlags(flags)
      const node = await createDispatcherNode({
        redis: flags.redis,
        secret,
        keyPrefix: flags.keyPrefix,
        history: historyFlag(flags),
        historyRedis: flags.historyRedis,
        dc,
        peers,
        apiKey: flags.apiKey,
        logLevel: flags.logLevel,
        cors: corsFlag(flags.corsOrigins),
        ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
      })
      const listening = await listen(node, listenOptions).catch(async (error) => {
        await node.close()
        throw error
      })
      const peerList = Object.keys(peers).join(', ') || 'none'
      console.log(
        `likewire dispatcher (${dc}) listening on ${listening.url} (redis ${flags.redis}; peers: ${peerList})`,
      )
      onShutdown(async () => {
        await node.close()
        await listening.close()
      })
    })
}
