// Likewire's test kit: real parts for tests and tooling, each kept once.

export { startBalancer, type TcpBalancer } from './balancer'
export { type Certificate, selfSignedCertificate } from './certificate'
export {
  type LikewireOptions,
  type LikewireProcess,
  type LikewireRole,
  likewireBin,
  spawnLikewire,
} from './likewire'
export { freePort } from './ports'
export { type SpawnedProcess, type SpawnOptions, spawnProcess } from './processes'
export { type RedisProcess, startRedis } from './redis'
export { openStream, post, type Stream } from './sse'
export { startProxy, type TcpProxy } from './tcp-proxy'
