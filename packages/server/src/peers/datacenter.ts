/** A datacenter name: what peers keep a datacenter's member presence under (`--dc`, `--peers` keys). */
export const DC_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

const RULE = '1-64 characters of A-Za-z0-9_.-'

/**
 * The datacenter name and peers of a node, checked before anything starts: a name peers would refuse
 * (every presence request answered 400, retried forever) or a missing one with peers (two datacenters
 * both called `dc1` overwrite each other's members at a third) is one clear line. `names` are the
 * options as the message names them (`--dc` and `--peers` on the CLI).
 */
export function checkDatacenter(
  dc: string | undefined,
  peers: Record<string, string[]> | undefined,
  names = { dc: 'dc', peers: 'peers' },
): string {
  const peerNames = Object.keys(peers ?? {})
  if (dc === undefined) {
    if (peerNames.length > 0)
      throw new Error(
        `${names.peers} needs ${names.dc} <name>: this datacenter's own name, a different one in each datacenter`,
      )
    return 'dc1'
  }
  if (!DC_PATTERN.test(dc)) throw new Error(`${names.dc} must be ${RULE}, got ${JSON.stringify(dc)}`)
  for (const peer of peerNames) {
    if (!DC_PATTERN.test(peer))
      throw new Error(`${names.peers}: ${JSON.stringify(peer)} is not a datacenter name (${RULE})`)
    if (peer === dc) throw new Error(`${names.peers} names this datacenter itself (${names.dc} ${dc})`)
  }
  return dc
}
