import type { Timers } from './options'

/**
 * How active the app is: `active` (visible, foreground), `passive` (a hidden tab, an app in the
 * background: parked after a grace), `frozen` (the page is being frozen or put in the back/forward cache:
 * parked at once, since no code runs until it resumes).
 */
export type Activity = 'active' | 'passive' | 'frozen'

/** Tells the client how active the app is, and when that changes (page lifecycle, React Native AppState). */
export interface LifecycleSource {
  activity(): Activity
  /** Calls `listener` on every change; returns the function that removes it. */
  subscribe(listener: (activity: Activity) => void): () => void
}

/** For platforms without a lifecycle: always active. */
export const alwaysActive: LifecycleSource = Object.freeze({
  activity: () => 'active' as const,
  subscribe: () => () => {},
})

interface EventTargetLike {
  addEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
  removeEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
}

/**
 * The browser's page lifecycle, read when called (never at import time): `visibilitychange` (hidden is
 * passive), `freeze` / `resume`, and `pagehide` / `pageshow` (the back/forward cache).
 */
export function pageLifecycleSource(): LifecycleSource {
  const g = globalThis as {
    document?: Partial<EventTargetLike> & { visibilityState?: string }
    window?: unknown
  }
  const doc = g.document
  const win = g.window as Partial<EventTargetLike> | undefined
  if (
    !doc ||
    typeof doc.addEventListener !== 'function' ||
    !win ||
    typeof win.addEventListener !== 'function'
  )
    return alwaysActive
  const visible = (): Activity => (doc.visibilityState === 'hidden' ? 'passive' : 'active')
  let current: Activity = visible()
  return {
    activity: () => current,
    subscribe(listener) {
      const set = (next: Activity) => {
        if (next === current) return
        current = next
        listener(next)
      }
      const onVisibility = () => {
        if (current !== 'frozen') set(visible())
      }
      const onFreeze = () => set('frozen')
      const onResume = () => set(visible())
      const targets: Array<[EventTargetLike, string, () => void]> = [
        [doc as EventTargetLike, 'visibilitychange', onVisibility],
        [doc as EventTargetLike, 'freeze', onFreeze],
        [doc as EventTargetLike, 'resume', onResume],
        [win as EventTargetLike, 'pagehide', onFreeze],
        [win as EventTargetLike, 'pageshow', onResume],
      ]
      for (const [target, type, fn] of targets) target.addEventListener(type, fn)
      return () => {
        for (const [target, type, fn] of targets) target.removeEventListener(type, fn)
      }
    },
  }
}

/** The part of React Native's `AppState` the client uses. */
export interface AppStateLike {
  currentState: string | null | undefined
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void }
}

/**
 * React Native's AppState as a lifecycle source: `background` is passive (parked after the grace),
 * everything else active (`inactive` is iOS's brief transition, not a background).
 * `createClient({ lifecycleSource: appStateSource(AppState) })`.
 */
export function appStateSource(appState: AppStateLike): LifecycleSource {
  const of = (state: string | null | undefined): Activity => (state === 'background' ? 'passive' : 'active')
  return {
    activity: () => of(appState.currentState),
    subscribe(listener) {
      let last = of(appState.currentState)
      const subscription = appState.addEventListener('change', (state) => {
        const next = of(state)
        if (next === last) return
        last = next
        listener(next)
      })
      return () => subscription.remove()
    },
  }
}

/** How long a passive app keeps its stream before it is parked. */
export const DEFAULT_PARK_AFTER_MS = 60_000

/**
 * Parks and unparks by the source: frozen parks at once, passive after `parkAfterMs`, active unparks.
 * Returns the function that stops listening (and cancels a pending park).
 */
export function watchLifecycle(
  source: LifecycleSource,
  parkAfterMs: number,
  timers: Timers,
  hooks: { park(): void; unpark(): void },
): () => void {
  let timer: unknown
  let parked = false
  const apply = (activity: Activity) => {
    timers.clearTimeout(timer)
    if (activity === 'active') {
      if (parked) {
        parked = false
        hooks.unpark()
      }
      return
    }
    const park = () => {
      if (parked) return
      parked = true
      hooks.park()
    }
    if (activity === 'frozen' || parkAfterMs === 0) park()
    else if (parkAfterMs !== Number.POSITIVE_INFINITY) timer = timers.setTimeout(park, parkAfterMs)
  }
  const stop = source.subscribe(apply)
  apply(source.activity())
  return () => {
    timers.clearTimeout(timer)
    stop()
  }
}
