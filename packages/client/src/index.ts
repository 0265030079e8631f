export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, MIN_RETRY_BASE_MS } from './backoff'
export type { LikewireClient, SubscribeOptions } from './client'
export { type ConnectedInfo, ControlEvent } from './connection'
export { createClient } from './create-client'
export { configure, getDefaultClient, members, subscribe, watchPresence } from './default-client'
export { LikewireError } from './errors'
export type { EventCallback, EventPosition, GapReason, LikewireEvent, LikewireGap } from './event'
export {
  type Activity,
  type AppStateLike,
  alwaysActive,
  appStateSource,
  DEFAULT_PARK_AFTER_MS,
  type LifecycleSource,
  pageLifecycleSource,
} from './lifecycle'
export { alwaysOnline, type OnlineSource, windowOnlineSource } from './online'
export {
  type ClientOptions,
  DEFAULT_CREDENTIALS_TIMEOUT_MS,
  DEFAULT_DEDUPE_SIZE,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_REPLACEMENT_GRACE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  HEARTBEAT_TIMEOUT_FACTOR,
  type HeadersInput,
  type Timers,
} from './options'
export { isMemberId, MAX_MEMBER_ID_LENGTH } from './presence/member-id'
export {
  MAX_EARLY_MEMBER_CHANGES,
  MAX_HELD_MEMBERS,
  type TopicMember,
  type TopicMembers,
} from './presence/members'
export type { MemberPresence, PresenceStatus } from './presence/presence'
export { MAX_REWIND } from './recovery'
export type { LockManagerLike } from './share/election'
export type { ChannelLike } from './share/messages'
export type { ShareOptions } from './share/share-options'
export {
  type ConnectionState,
  type ConnectionStatus,
  INITIAL_STATE,
  type StateChange,
  type StateListener,
  StateReason,
} from './state'
export { TOKEN_EXPIRY_JITTER_MS, TOKEN_RENEW_LEAD_MS } from './token-renewal'
export {
  isOrdinaryTopic,
  isSubscribableTopic,
  MEMBERS_SUFFIX,
  membersTopic,
  PRESENCE_SUFFIX,
  presenceTopic,
  TOPIC_PATTERN,
  VIEWERS_SUFFIX,
  viewersTopic,
} from './topic'
export type { FetchLike } from './transport/fetch'
export type { HttpResponse, StreamHandlers, Transport, TransportName } from './transport/transport'
export { DEFAULT_XHR_MAX_RESPONSE_CHARS, type XhrConstructor, type XhrLike } from './transport/xhr'
