// The built package, as users run it: under tsx the source gets a keepNames wrapper on every function, which
// alone costs ~1.3 KB per connection. `npm run bench` builds it first, so the build is never stale.
export * from '@likewire/server'
export * from '@likewire/server/cluster'
