/**
 * What runs in the demo page while it is measured: a requestAnimationFrame loop recording each frame's
 * time since the one before, a PerformanceObserver of long tasks (> 50 ms), and the hearts that take off
 * (the pool's elements gaining `data-testid="floating-heart"`). A string, not a function: the page gets
 * exactly this code, never a transpiler's helpers.
 */
export const RECORDER_SCRIPT = `(() => {
  const rec = { recording: false, deltas: [], longTasks: [], hearts: 0 }
  window.__demoFrames = rec
  let last = 0
  const loop = (time) => {
    if (rec.recording && last !== 0) rec.deltas.push(time - last)
    last = time
    requestAnimationFrame(loop)
  }
  requestAnimationFrame(loop)
  new PerformanceObserver((list) => {
    if (rec.recording) for (const entry of list.getEntries()) rec.longTasks.push(entry.duration)
  }).observe({ type: 'longtask', buffered: false })
  const column = document.querySelector('.hearts')
  if (column)
    new MutationObserver((mutations) => {
      if (!rec.recording) return
      for (const m of mutations) if (m.target.dataset && m.target.dataset.testid === 'floating-heart') rec.hearts++
    }).observe(column, { subtree: true, attributes: true, attributeFilter: ['data-testid'] })
  return column !== null
})()`

/** Starts a recording window (clearing the last one). */
export const START_SCRIPT = `(() => {
  const rec = window.__demoFrames
  rec.deltas = []
  rec.longTasks = []
  rec.hearts = 0
  rec.recording = true
})()`

export interface Recording {
  /** ms between consecutive animation frames. */
  deltas: number[]
  /** Durations (ms) of the long tasks seen. */
  longTasks: number[]
  /** Hearts that took off. */
  hearts: number
}

/** Ends the window and hands back what it recorded. */
export const STOP_SCRIPT = `(() => {
  const rec = window.__demoFrames
  rec.recording = false
  return { deltas: rec.deltas, longTasks: rec.longTasks, hearts: rec.hearts }
})()`
