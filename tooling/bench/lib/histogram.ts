import * as hdr from 'hdr-histogram-js'

/** Latencies are recorded in microseconds, up to one hour. */
export type Histogram = hdr.Histogram

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  })
}

/** Compressed snapshot, small enough to send over IPC every second. */
export const encodeHistogram = (histogram: Histogram): string => hdr.encodeIntoCompressedBase64(histogram)

export const decodeHistogram = (encoded: string): Histogram => hdr.decodeFromCompressedBase64(encoded)

export interface Percentiles {
  p50: number
  p90: number
  p99: number
  max: number
  count: number
}

/** Percentiles in milliseconds (3 decimals) of a microsecond histogram. */
export function percentilesMs(histogram: Histogram): Percentiles {
  const ms = (us: number) => Math.round(us) / 1000
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    count: histogram.totalCount,
  }
}
