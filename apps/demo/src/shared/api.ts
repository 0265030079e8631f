/**
 * The demo's HTTP API and event payloads, shared by the server (the talk's "likes backend" and
 * "comments backend") and the page.
 */

/** Longest comment text accepted, after trimming. */
export const COMMENT_MAX_LENGTH = 280
/** Longest display name of a guest accepted, after trimming. */
export const NAME_MAX_LENGTH = 40
/** Comments kept per video and returned to a new viewer. */
export const COMMENT_HISTORY = 50

/** Topic names: one per video and kind of event, so a page receives only the video it watches. */
export const topics = {
  likes: (videoId: string) => `video:${videoId}:likes`,
  comments: (videoId: string) => `video:${videoId}:comments`,
  crowd: (videoId: string) => `video:${videoId}:crowd`,
}

export interface VideoSummary {
  id: string
  title: string
  host: string
  color: string
  startedAt: number
  likeCount: number
  commentCount: number
}

export interface Comment {
  id: string
  videoId: string
  /** The commenter's guest id (the `sub` of the token the comment was posted with): their presence topic. */
  memberId: string
  /** The commenter's display name when they posted (the token's `name`). */
  author: string
  text: string
  createdAt: number
}

export interface CrowdState {
  enabled: boolean
  /** When the simulated crowd stops by itself (ms since epoch), or null when off. */
  endsAt: number | null
}

/** `GET /api/videos/:id`: a video's whole state, its last comments included (the page reads them after a gap). */
export interface VideoState extends LiveState {
  /** The last `COMMENT_HISTORY`, oldest first. */
  comments: Comment[]
}

/**
 * `GET /api/videos/:id?comments=false`: the state of the fire-and-forget topics only, which the page
 * re-reads on every new connection; comments come from their history topic instead.
 */
export interface LiveState {
  video: VideoSummary
  likeCount: number
  crowd: CrowdState
}

/** Published on `video:<id>:likes`. `delta` > 1 when a batch of likes is published at once (the crowd). */
export interface LikeEvent {
  videoId: string
  likeCount: number
  delta: number
}

/** Published on `video:<id>:comments`. */
export type CommentEvent = Comment

/** Published on `video:<id>:crowd` when the crowd switch changes. */
export type CrowdEvent = CrowdState

/** A guest as the page shows it: its member id and display name. */
export interface GuestProfile {
  id: string
  name: string
}

/**
 * `POST /api/guest`: a guest and a fresh token. `key` proves the guest is this browser's on renewal
 * (`{ id, key, name? }`); `token` is an HS256 JWT (`sub` = id, `name`) for Likewire and the comment POSTs.
 */
export interface GuestSession {
  guest: GuestProfile
  key: string
  token: string
  /** When `token` expires (epoch ms). */
  expiresAt: number
}

/** `GET /api/guests?id=…`: the display names of the known guests among the ids asked for. */
export interface GuestNames {
  guests: GuestProfile[]
}

export interface ApiError {
  error: { code: string; message: string }
}
