import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The platform's Prometheus metrics, on a registry of its own so several instances never collide. */
export function createMetrics(options: { defaultMetrics: boolean }) {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'likewire_' })
  const registers = [registry]
  // gauges read the live state when scraped; the frontend node plugs its counters in here
  const sources = {
    connections: () => 0,
    topics: () => 0,
    subscriptions: () => 0,
    members: () => 0,
    flushWindowMs: () => 0,
    flushSpread: () => false,
    historyWindowBytes: () => 0,
  }
  return {
    registry,
    sources,
    connections: new Gauge({
      name: 'likewire_connections',
      help: 'Open SSE connections on this frontend node',
      registers,
      collect() {
        this.set(sources.connections())
      },
    }),
    connectionsOpened: new Counter({
      name: 'likewire_connections_opened_total',
      help: 'SSE connections accepted',
      registers,
    }),
    disconnects: new Counter({
      name: 'likewire_disconnects_total',
      help: 'SSE connections ended, by reason (slow_consumer = dropped past its buffer bound)',
      labelNames: ['reason'] as const,
      registers,
    }),
    topics: new Gauge({
      name: 'likewire_topics',
      help: 'Topics with local subscribers',
      registers,
      collect() {
        this.set(sources.topics())
      },
    }),
    subscriptions: new Gauge({
      name: 'likewire_subscriptions',
      help: 'Local subscriptions (connection x topic)',
      registers,
      collect() {
        this.set(sources.subscriptions())
      },
    }),
    published: new Counter({
      name: 'likewire_published_events_total',
      help: 'Events accepted by this dispatcher',
      registers,
    }),
    deliveries: new Counter({
      name: 'likewire_deliveries_total',
      help: 'Event frames queued to connections on this frontend node',
      registers,
    }),
    received: new Counter({
      name: 'likewire_deliveries_received_total',
      help: 'Events this frontend node received from dispatchers (cluster mode)',
      registers,
    }),
    peerForwarded: new Counter({
      name: 'likewire_peer_forwarded_events_total',
      help: 'Events forwarded to (out) or received from (in) peer datacenters',
      labelNames: ['direction'] as const,
      registers,
    }),
    forwardFailures: new Counter({
      name: 'likewire_forward_failures_total',
      help: 'Batches a dispatcher could not deliver to a frontend node or peer datacenter',
      labelNames: ['target'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'likewire_delivery_latency_seconds',
      help: "End-to-end latency: dispatcher receipt to the frames queued for this tick's write to the connections (once per event per node)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    flushWindow: new Gauge({
      name: 'likewire_flush_window_seconds',
      help: 'Least time between two flushes of this frontend node now: 0 while its event loop has room (frames leave in the tick they arrived), growing with the load up to its bound (flushWindowMs auto), or the fixed flushWindowMs',
      registers,
      // a node of several workers (--workers) shows its widest window, not a sum of windows
      aggregator: 'max',
      collect() {
        this.set(sources.flushWindowMs() / 1000)
      },
    }),
    flushSpread: new Gauge({
      name: 'likewire_flush_spread',
      help: "1 while this frontend node spreads each flush window's writes over it (its writes merge events: they come faster than the window), 0 while it writes every connection at once",
      registers,
      // a node of several workers (--workers) shows 1 when any of them spreads
      aggregator: 'max',
      collect() {
        this.set(sources.flushSpread() ? 1 : 0)
      },
    }),
    flushDuration: new Histogram({
      name: 'likewire_flush_duration_seconds',
      help: "How long one flush held the event loop: one write to every connection with frames queued, or, while windows are spread, to those of one turn (a window's turns together are its measure of cost)",
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    recoveries: new Counter({
      name: 'likewire_recoveries_total',
      help: 'Subscribers of history topics that resumed or rewound: recovered (the missed range replayed) or gap (told it is missing)',
      labelNames: ['result'] as const,
      registers,
    }),
    resumes: new Counter({
      name: 'likewire_resumes_total',
      help: "Resumes of history topics by where their missed range came from: window (this node's recent events, no store read) or store",
      labelNames: ['source'] as const,
      registers,
    }),
    historyWindow: new Gauge({
      name: 'likewire_history_window_bytes',
      help: 'Bytes this frontend keeps of recent history events to answer resumes from memory (bounded by historyWindowBytes)',
      registers,
      collect() {
        this.set(sources.historyWindowBytes())
      },
    }),
    historyReads: new Counter({
      name: 'likewire_history_reads_total',
      help: "History reads this frontend sent to the store: a topic's first subscriber here (where its order starts, its window brought up to date), resumes outside the window, rewinds, hole repairs (one read answers every resume of its topic waiting)",
      registers,
    }),
    replayed: new Counter({
      name: 'likewire_replayed_events_total',
      help: 'Events written from history to resuming or rewinding subscribers',
      registers,
    }),
    gaps: new Counter({
      name: 'likewire_gaps_total',
      help: 'Gap frames sent to subscribers, by reason: expired (no longer retained), epoch (history lost), unavailable (history unreachable)',
      labelNames: ['reason'] as const,
      registers,
    }),
    unpositioned: new Counter({
      name: 'likewire_unpositioned_events_total',
      help: 'Events of a topic this frontend keeps history of that arrived without a position (a dispatcher without the rule): not recoverable',
      registers,
    }),
    refused: new Counter({
      name: 'likewire_http_refused_total',
      help: 'Sockets answered and closed before a request was read: timeout (headers or body too slow, or nothing sent) or bad_request (unparsable)',
      labelNames: ['reason'] as const,
      registers,
    }),
    membersOnline: new Gauge({
      name: 'likewire_presence_members_online',
      help: 'Identified members with at least one open connection on this frontend node',
      registers,
      collect() {
        this.set(sources.members())
      },
    }),
    presenceChanges: new Counter({
      name: 'likewire_presence_changes_total',
      help: 'Member presence changes this node published (each change is published by one node of the datacenter)',
      labelNames: ['status'] as const,
      registers,
    }),
    flapsAbsorbed: new Counter({
      name: 'likewire_presence_flaps_absorbed_total',
      help: 'Members back within the grace after their last connection ended: no offline was published',
      registers,
    }),
    errors: new Counter({
      name: 'likewire_http_errors_total',
      help: 'Error answers, by stable code',
      labelNames: ['code'] as const,
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
