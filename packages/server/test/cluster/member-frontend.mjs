// A frontend node as `likewire frontend` runs it, plus an authenticate hook that names the member from
// `?member=` (as a token's `sub` would): a real process to kill -9 in the presence tests. Built code
// (dist), configured by LW_* variables (member-nodes.ts starts it).
import { createFrontendNode } from '../../dist/cluster.js'
import { listen } from '../../dist/index.js'

const env = process.env
const port = Number(env.LW_PORT)
const node = await createFrontendNode({
  redis: env.LW_REDIS,
  secret: env.LW_SECRET,
  nodeId: env.LW_NODE_ID,
  internalUrl: `http://127.0.0.1:${port}`,
  dc: env.LW_DC,
  peers: env.LW_PEERS ? JSON.parse(env.LW_PEERS) : undefined,
  leaseTtlMs: Number(env.LW_LEASE_TTL_MS),
  presence: { graceMs: Number(env.LW_GRACE_MS) },
  logLevel: 'warn',
  processMetrics: false,
  authenticate: (request) => {
    const member = new URL(request.url).searchParams.get('member')
    return member === null ? {} : { memberId: member }
  },
})
const listening = await listen(node, { port, hostname: '127.0.0.1' })
console.log(`member frontend ${node.frontend.nodeId} listening on ${listening.url}`)
process.on('SIGTERM', async () => {
  await node.close()
  await listening.close()
  process.exit(0)
})
