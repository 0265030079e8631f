/**
 * The next shown value of a counter rolling toward `target`: eased (closes most of the gap within
 * `easeMs`), never ahead of the target, and exactly the target once the gap is under one.
 */
export function rollToward(shown: number, target: number, frameMs: number, easeMs = 300): number {
  if (shown >= target) return target
  const next = shown + (target - shown) * (1 - Math.exp((-3 * frameMs) / easeMs))
  return target - next < 0.5 ? target : next
}
