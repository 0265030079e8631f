import { describe, expect, it } from 'vitest'
import type { Http2Result, ProtocolRun } from '../scenarios/http2'
import { http2Section } from './http2'

const run = (mode: ProtocolRun['mode'], title: string, fields: Partial<ProtocolRun>): ProtocolRun =>
  ({
    mode,
    title,
    tls: mode !== 'http1',
    streamsPerSession: 1,
    loadAverage: [2.5, 3],
    connections: 10_000,
    connected: 10_000,
    serverSockets: 10_000,
    delivered: 600_000,
    lost: 0,
    deliveriesPerSec: 19_500,
    latencyMs: { p50: 120.4, p90: 200, p99: 250.06, max: 300, count: 600_000 },
    plannedBatches: 30,
    batches: 30,
    perDelivery: { serverCpuUs: 4, writeSyscalls: 0.5, streamWrites: 0.5 },
    serverCpuUsPerStreamWrite: 8,
    streamWritesPerFlush: 1,
    serverRssPerStreamKiB: 30,
    ...fields,
  }) as ProtocolRun

const result = {
  what: '10K streams',
  target: 'HTTP/2 <= 1.5x',
  met: false,
  checks: { 'HTTP/2, 1 stream per session: <= 1.5x': false, '0 lost, every protocol': true },
  command: 'npm run bench -- http2',
  ranAt: '2026-12-08T00:00:00.000Z',
  machine: { cpus: 2 },
  loadAverage: [2, 4.5],
  plan: {
    connections: 10_000,
    streamsPerSession: 100,
    ratePerSec: 2,
    tickMs: 1000,
    durationSec: 30,
    workers: 2,
  },
  runs: [
    run('http1-tls', 'HTTP/1.1 over TLS', {}),
    run('h2', 'HTTP/2, 100 streams per session', {
      streamsPerSession: 100,
      serverSockets: 100,
      perDelivery: { serverCpuUs: 3, writeSyscalls: 0.01, streamWrites: 0.5 },
      serverRssPerStreamKiB: 10,
    }),
    run('h2-single', 'HTTP/2, 1 stream per session', {
      batches: 21,
      perDelivery: { serverCpuUs: 7, writeSyscalls: null, streamWrites: null },
      serverCpuUsPerStreamWrite: null,
      streamWritesPerFlush: null,
      lost: 12,
    }),
  ],
  ratios: {
    h2: { serverCpuPerDelivery: 0.75, writeSyscallsPerDelivery: 0.02, rssPerStream: 0.33 },
    'h2-single': { serverCpuPerDelivery: 1.75, writeSyscallsPerDelivery: null, rssPerStream: 1 },
  },
} as unknown as Http2Result

describe('report: HTTP/2 vs HTTP/1.1', () => {
  it('names the command that writes the result when it was not run yet', () => {
    expect(http2Section(undefined).join('\n')).toContain(
      'Not run yet: `npm run bench -- http2` writes `tooling/bench/results/http2.json`.',
    )
  })

  it('shows each check, the plan, and one row per protocol with its ratio to HTTP/1.1 over TLS', () => {
    const page = http2Section(result).join('\n')
    expect(page).toContain('- HTTP/2, 1 stream per session: <= 1.5x: **missed**')
    expect(page).toContain('- 0 lost, every protocol: met')
    expect(page).toContain('load average 2 then 4.5 (1 min, 2 cores)')
    expect(page).toContain('a publish batch of 2 events every 1000 ms (the topics in turn) for 30 s')
    expect(page).toContain(
      '| HTTP/1.1 over TLS | 1 | 10,000 | 600,000 (0) | 19,500 | 30 (30) | 4 | 8 | 0.5 | 1 | 30 | 120.4 / 250.1 | 2.5 then 3 |',
    )
    expect(page).toContain(
      '| HTTP/2, 100 streams per session | 100 | 100 | 600,000 (0) | 19,500 | 30 (30) | 3 (x0.75) | 8 | 0.01 (x0.02) | 1 | 10 (x0.33) | 120.4 / 250.1 | 2.5 then 3 |',
    )
    // a figure the kernel or the run did not count says so
    expect(page).toContain(
      '| HTTP/2, 1 stream per session | 1 | 10,000 | 600,000 (12) | 19,500 | 21 (30) | 7 (x1.75) | not counted | not counted | not counted | 30 (x1) |',
    )
  })
})
