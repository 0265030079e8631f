// Kept only as a re-export for src/registry/redis-registry.test.ts (src is not this branch's to edit): import from @likewire/testkit.
export {
  freePort,
  type LikewireProcess,
  type RedisProcess,
  spawnLikewire,
  startRedis,
} from '@likewire/testkit'
