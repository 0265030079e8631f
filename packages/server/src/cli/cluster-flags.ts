import { type Command, Option } from 'commander'
import { checkDatacenter } from '../peers/datacenter'

export interface ClusterFlags {
  redis: string
  secret?: string
  keyPrefix: string
  historyRedis?: string
}

/** Flags of the cluster roles: the datacenter's Redis and the shared secret. */
export function clusterOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--redis <url>', "this datacenter's Redis (registry)")
        .env('LIKEWIRE_REDIS_URL')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--secret <secret>', 'shared secret of the cluster, the same on every node').env(
        'LIKEWIRE_SECRET',
      ),
    )
    .addOption(
      new Option('--key-prefix <prefix>', 'prefix of every Redis key')
        .env('LIKEWIRE_KEY_PREFIX')
        .default('likewire:'),
    )
    .addOption(
      new Option('--history-redis <url>', "a Redis of its own for history (default: the registry's)").env(
        'LIKEWIRE_HISTORY_REDIS_URL',
      ),
    )
}

export function requireSecret(flags: ClusterFlags): string {
  if (!flags.secret) throw new Error('a cluster secret is required: --secret <secret> or LIKEWIRE_SECRET')
  return flags.secret
}

/** Parses `dc2=http://a:8081|http://b:8081,dc3=http://c:8081`. */
export function parsePeers(value: string | undefined): Record<string, string[]> {
  const peers: Record<string, string[]> = {}
  if (!value) return peers
  for (const entry of value.split(',')) {
    const [dc, urls] = entry.split('=')
    if (!dc || !urls) throw new Error(`--peers: expected dc=URL[|URL...], got ${JSON.stringify(entry)}`)
    peers[dc] = urls.split('|').map((url) => url.replace(/\/$/, ''))
  }
  return peers
}

/** `--dc` and `--peers`, checked together: one line and exit 1 when peers could not tell datacenters apart. */
export function datacenterFlags(flags: { dc?: string; peers?: string }): {
  dc: string
  peers: Record<string, string[]>
} {
  const peers = parsePeers(flags.peers)
  return { dc: checkDatacenter(flags.dc, peers, { dc: '--dc', peers: '--peers' }), peers }
}
