// @likewire/server: embedded Likewire, the publisher, and the parts a custom deployment composes. Light:
// no Redis client is loaded from here; the cluster roles are in `@likewire/server/cluster`.
export type { JwtIdentity, JwtOptions } from './auth/jwt'
export { Dispatcher, type DispatcherParts, type PeerForwarder } from './dispatcher/dispatcher'
export type { PublishInput } from './dispatcher/publish-input'
export type { Connection, DisconnectReason } from './frontend/connection'
export { Frontend, type FrontendConfig } from './frontend/frontend'
export { MemoryHistoryStore } from './history/memory-store'
export type { Position } from './history/positions'
export { type HistoryRule, parseHistoryRules } from './history/rules'
export type { Appended, AppendRequest, HistoryRead, HistoryStore } from './history/store'
export { createApp, type InternalRoute, type LikewireApp } from './http/app'
export { type Listening, type ListenOptions, listen, type Servable, type TlsOptions } from './http/listen'
export { defaultServerLimits, type ServerLimits } from './http/server'
export { createLikewire, type Likewire } from './likewire'
export type { Core, HealthReport } from './node/core'
export {
  type AuthOptions,
  type CorsOptions,
  defaultOptions,
  type Identity,
  type LikewireOptions,
  type PresenceOptions,
} from './options'
export { ErrorCode, LikewireError } from './protocol/errors'
export type { EncodedEvent, PublishedEvent } from './protocol/frames'
export { MAX_JSON_DEPTH } from './protocol/json'
export { baseTopic, membersTopic, presenceTopic, TOPIC_PATTERN, viewersTopic } from './protocol/topic'
export { createPublisher, type Publisher, type PublisherOptions } from './publisher/publisher'
export { MemoryPresenceStore } from './registry/memory-presence'
export { MemoryRegistry } from './registry/memory-registry'
export type {
  JoinOutcome,
  MemberEntry,
  MembersDrain,
  MembersSnapshot,
  PresenceScope,
  PresenceStatus,
  PresenceStore,
  Recording,
  Swept,
  Unpublished,
} from './registry/presence-store'
export type { NodeInfo, Registry, RegistryHealth } from './registry/registry'
export { InProcessTransport } from './transport/in-process'
export type { DeliveryTarget, FrontendTransport } from './transport/transport'
