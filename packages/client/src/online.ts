/** Tells the client whether the device has a network, and when that changes. */
export interface OnlineSource {
  isOnline(): boolean
  /** Calls `listener` on every change; returns the function that removes it. */
  subscribe(listener: (online: boolean) => void): () => void
}

/** For platforms without online/offline events: always online, never changes. */
export const alwaysOnline: OnlineSource = Object.freeze({
  isOnline: () => true,
  subscribe: () => () => {},
})

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}

/** Browser online/offline events on `window`, read when called (never at import time). */
export function windowOnlineSource(): OnlineSource {
  const g = globalThis as { window?: Partial<EventTargetLike>; navigator?: { onLine?: boolean } }
  const win = g.window
  // addEventListener does not exist in React Native, but window does
  if (!win || typeof win.addEventListener !== 'function' || typeof win.removeEventListener !== 'function') {
    return alwaysOnline
  }
  const target = win as EventTargetLike
  return {
    isOnline: () => g.navigator?.onLine !== false,
    subscribe(listener) {
      const online = () => listener(true)
      const offline = () => listener(false)
      target.addEventListener('online', online)
      target.addEventListener('offline', offline)
      return () => {
        target.removeEventListener('online', online)
        target.removeEventListener('offline', offline)
      }
    },
  }
}
