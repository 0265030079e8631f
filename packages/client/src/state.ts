/** Connection status as the UI shows it. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed'

/** Why the connection is in its current state: a stable code, safe to switch on. */
export const StateReason = {
  /** The client is opening (or has opened) its stream. */
  connect: 'connect',
  /** The request failed or the stream broke at the network level. */
  networkError: 'network_error',
  /** The stream ended without a reconnect hint. */
  streamEnded: 'stream_ended',
  /** No bytes arrived for `heartbeatTimeoutMs`. */
  heartbeatTimeout: 'heartbeat_timeout',
  /** The server is draining and asked the client to come back after a delay. */
  serverShutdown: 'server_shutdown',
  /** The online source reports no network; the client waits for it. */
  offline: 'offline',
  /** The connect was answered 401: the client stops. */
  unauthorized: 'unauthorized',
  /**
   * The token expired: the server ended the stream (`likewire.reconnect`, reason `token_expired`) and the
   * client reconnects at once with fresh credentials; or a connect was answered `401 token_expired`, retried
   * once with fresh credentials, and the client stops (`closed`) on a second in a row.
   */
  tokenExpired: 'token_expired',
  /** A connect without topics was answered 403 (one with topics is retried at once without): the client stops. */
  forbidden: 'forbidden',
  /**
   * The connect (or a subscribe) was answered with another HTTP error: retried with backoff, except a 4xx a
   * retry would get again to a connect without topics, which stops the client.
   */
  httpError: 'http_error',
  /** The server no longer knows our connection id (a subscribe answered 404). */
  unknownConnection: 'unknown_connection',
  /** `close()` was called. */
  clientClosed: 'client_closed',
  /** Shared tabs: the tab holding the stream went away (closed, crashed, frozen); another takes over. */
  leaderChange: 'leader_change',
  /** The app is in the background or the page frozen: the stream is parked until it is active again. */
  parked: 'parked',
} as const

export type StateReason = (typeof StateReason)[keyof typeof StateReason]

export interface ConnectionState {
  status: ConnectionStatus
  /** Why we are in this status; null before the stream was ever opened. */
  reason: StateReason | null
  /** Epoch ms of the next connect attempt while `reconnecting` and a retry is scheduled, else null. */
  nextRetryAt: number | null
  /** Server-assigned id while `connected`, else null. */
  connectionId: string | null
  /** Consecutive failed attempts counted by the backoff (0 while connected). */
  attempt: number
}

export interface StateChange {
  oldState: ConnectionState
  newState: ConnectionState
}

export type StateListener = (change: StateChange) => void

/** Before the first subscribe the stream is not open yet (it opens lazily). */
export const INITIAL_STATE: ConnectionState = Object.freeze({
  status: 'closed',
  reason: null,
  nextRetryAt: null,
  connectionId: null,
  attempt: 0,
})

/** Holds the state; every change goes through `set`, which emits exactly one {oldState, newState}. */
export class StateStore {
  private current: ConnectionState = INITIAL_STATE
  private readonly listeners = new Set<StateListener>()

  constructor(private readonly onError: (error: unknown) => void) {}

  get state(): ConnectionState {
    return this.current
  }

  set(patch: Partial<ConnectionState>): void {
    const oldState = this.current
    const newState: ConnectionState = Object.freeze({ ...oldState, ...patch })
    if (sameState(oldState, newState)) return
    this.current = newState
    for (const listener of [...this.listeners]) {
      try {
        listener({ oldState, newState })
      } catch (error) {
        this.onError(error)
      }
    }
  }

  subscribe(listener: StateListener): () => void {
    // wrap so the same function added twice gets two independent subscriptions
    const entry: StateListener = (change) => listener(change)
    this.listeners.add(entry)
    return () => {
      this.listeners.delete(entry)
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}

function sameState(a: ConnectionState, b: ConnectionState): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.nextRetryAt === b.nextRetryAt &&
    a.connectionId === b.connectionId &&
    a.attempt === b.attempt
  )
}
