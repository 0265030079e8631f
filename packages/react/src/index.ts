export type {
  ConnectionState,
  ConnectionStatus,
  EventPosition,
  LikewireClient,
  LikewireEvent,
  LikewireGap,
  MemberPresence,
  PresenceStatus,
  TopicMember,
  TopicMembers,
} from '@likewire/client'
export { LikewireProvider, type LikewireProviderProps } from './LikewireProvider'
export { useConnectionState } from './useConnectionState'
export { useLikewireClient } from './useLikewireClient'
export { useMembers } from './useMembers'
export { usePresence } from './usePresence'
export { type UseTopicOptions, useTopic } from './useTopic'
export { DEFAULT_EVENT_LIMIT, type UseTopicEventsOptions, useTopicEvents } from './useTopicEvents'
export { useViewerCount } from './useViewerCount'
