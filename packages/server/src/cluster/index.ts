// @likewire/server/cluster: the cluster roles and their Redis and HTTP parts (this entry loads ioredis;
// the root entry does not).

export { HttpPeerForwarder, type PeerForwarderOptions } from '../peers/peer-forwarder'
export { HttpPresenceForwarder, type HttpPresenceForwarderOptions } from '../peers/presence-forwarder'
export { connectHistoryStore, RedisHistoryStore } from '../registry/redis-history'
export { RedisPresenceStore } from '../registry/redis-presence'
export { RedisRegistry, type RedisRegistryOptions } from '../registry/redis-registry'
export { HttpTransport, type HttpTransportOptions } from '../transport/http-transport'
export {
  createDispatcherNode,
  type DispatcherNode,
  type DispatcherNodeOptions,
} from './dispatcher-node'
export { createFrontendNode, type FrontendNode, type FrontendNodeOptions } from './frontend-node'
