import { type Command, Option } from 'commander'
import { createFrontendNode } from '../cluster/frontend-node'
import { listen } from '../http/listen'
import { frontendPrimary, frontendWorker } from '../workers/frontend-workers'
import { runWorker, workerIdentity } from '../workers/worker-process'
import { type ClusterFlags, clusterOptions, datacenterFlags, requireSecret } from './cluster-flags'
import {
  type CommonFlags,
  commonOptions,
  corsFlag,
  heartbeatFlag,
  historyFlag,
  intOption,
  listenFlags,
  onShutdown,
  streamFlags,
  streamOptions,
} from './common'
import { type JwtFlags, jwtFlags, jwtOptions } from './jwt-flags'
import { type TlsFlags, tlsFlags, tlsOptions } from './tls-flags'
import { type WorkersFlags, workersOptions, workersPlan } from './workers-flags'

/** `likewire frontend`: holds SSE connections; records its lease and topics in Redis. */
export function frontendCommand(program: Command): void {
  workersOptions(
    jwtOptions(
      tlsOptions(
        clusterOptions(
          streamOptions(
            commonOptions(
              program
                .command('frontend')
                .description('Run a frontend node: holds SSE connections (cluster mode)'),
            ),
          ),
        ),
      ),
    ),
  )
    .addOption(
      new Option(
        '--internal-port <port>',
        "with --workers: worker k's own port for dispatchers is this + k (0..n-1), on --public-url's host (default: a free port each)",
      ).env('LIKEWIRE_INTERNAL_PORT'),
    )
    .addOption(
      new Option(
        '--public-url <url>',
        'URL dispatchers use to reach this node (default: http://<host>:<port>, https:// with --tls-cert)',
      ).env('LIKEWIRE_PUBLIC_URL'),
    )
    .addOption(
      new Option(
        '--peers <list>',
        'peer datacenters for in-process publishes and member presence: dc2=URL[|URL] (dispatcher URLs)',
      ).env('LIKEWIRE_PEERS'),
    )
    .addOption(
      new Option(
        '--dc <name>',
        "this datacenter's name, 1-64 of A-Za-z0-9_.- (peers keep its members' presence under it); required with --peers (default: dc1)",
      ).env('LIKEWIRE_DC'),
    )
    .addOption(
      new Option(
        '--presence-digest-ms <ms>',
        "with --peers: how often peers get this datacenter's online members (they keep each one 3 times this); the same everywhere",
      )
        .env('LIKEWIRE_PRESENCE_DIGEST_MS')
        .default('30000'),
    )
    .addOption(
      new Option(
        '--lease-ttl-ms <ms>',
        'lease lifetime: a dead node is pruned after it (raise it for frontends that stall under load)',
      )
        .env('LIKEWIRE_LEASE_TTL_MS')
        .default('5000'),
    )
    .addOption(
      new Option(
        '--max-stall-ms <ms>',
        'an event loop stalled this long counts as hung: its lease is let go (the lease is renewed off the loop)',
      )
        .env('LIKEWIRE_MAX_STALL_MS')
        .default('30000'),
    )
    .action(
      async (
        flags: CommonFlags &
          ClusterFlags &
          TlsFlags &
          JwtFlags &
          WorkersFlags & {
            internalPort?: string
            publicUrl?: string
            peers?: string
            dc?: string
            presenceDigestMs: string
            leaseTtlMs: string
            maxStallMs: string
          },
      ) => {
        const secret = requireSecret(flags)
        const plan = workersPlan(flags)
        const workers = plan.count
        const internalPort = intOption(flags.internalPort ?? '0', 'internal-port', { max: 65_536 - workers })
        const { dc, peers } = datacenterFlags(flags)
        const stream = streamFlags(flags)
        const digestIntervalMs = intOption(flags.presenceDigestMs, 'presence-digest-ms', {
          min: 100,
          max: 3_600_000,
        })
        const listenOptions = { ...listenFlags(flags), tls: tlsFlags(flags) }
        const port = listenOptions.port!
        const host = flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host
        // over TLS dispatchers reach it on https: they must trust its certificate (NODE_EXTRA_CA_CERTS)
        const scheme = listenOptions.tls ? 'https' : 'http'
        const publicUrl = (flags.publicUrl ?? `${scheme}://${host}:${port}`).replace(/\/$/, '')
        const options = {
          redis: flags.redis,
          secret,
          keyPrefix: flags.keyPrefix,
          peers,
          dc,
          leaseTtlMs: intOption(flags.leaseTtlMs, 'lease-ttl-ms'),
          maxStallMs: intOption(flags.maxStallMs, 'max-stall-ms'),
          apiKey: flags.apiKey,
          auth: jwtFlags(flags),
          heartbeatMs: heartbeatFlag(flags),
          history: historyFlag(flags),
          ...stream,
          presence: { ...stream.presence, digestIntervalMs },
          historyRedis: flags.historyRedis,
          logLevel: flags.logLevel,
          cors: corsFlag(flags.corsOrigins),
          ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
        }
        const worker = workerIdentity()
        if (worker)
          return runWorker(
            (channel) =>
              frontendWorker(channel, worker, options, listenOptions, { port: internalPort, publicUrl }),
            onShutdown,
          )
        if (workers > 1) {
          const node = await frontendPrimary(options, plan)
          console.log(
            `likewire frontend listening on ${node.url} (${workers} workers, one node; redis ${flags.redis})`,
          )
          onShutdown(() => node.close())
          return
        }
        const node = await createFrontendNode({ ...options, internalUrl: publicUrl })
        const listening = await listen(node, listenOptions).catch(async (error) => {
          await node.close()
          throw error
        })
        console.log(
          `likewire frontend ${node.frontend.nodeId} listening on ${listening.url} (redis ${flags.redis})`,
        )
        onShutdown(async () => {
          await node.close()
          await listening.close()
        })
      },
    )
}
