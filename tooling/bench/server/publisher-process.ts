/**
 * The publisher process: paced likes over HTTP to each route, as an app's backend would publish. Each
 * event's `data` ends with `"ts":` (Date.now() as the request is sent): the load generator reads the last
 * `"ts":` of a frame, so latency runs from this clock for every target alike.
 */
import http from 'node:http'
import https from 'node:https'
import type { PublisherReport, PublishOutcome, PublishPlan, PublishRoute } from './publisher'

/** Likewire's default `maxBatchSize`: a tick that ran late is sent in requests of at most this. */
const MAX_BATCH = 1000
const REQUEST_TIMEOUT_MS = 30_000

interface Sender {
  outcome: PublishOutcome
  send(events: string[]): void
}

function sender(route: PublishRoute, inFlight: Set<Promise<void>>): Sender {
  const url = new URL(route.url)
  const secure = url.protocol === 'https:'
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 32, ca: route.ca })
    : new http.Agent({ keepAlive: true, maxSockets: 32 })
  const outcome: PublishOutcome = { perTopic: {}, failed: 0, batches: 0, elapsedMs: 0 }
  let id = 0
  const post = (path: string, body: string, accepted: () => void, failed: () => void) => {
    const request = new Promise<void>((resolve) => {
      const req = (secure ? https : http).request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) accepted()
            else failed()
            resolve()
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error('publish timed out')))
      req.on('error', () => {
        failed()
        resolve()
      })
      req.end(body)
    })
    inFlight.add(request)
    void request.finally(() => inFlight.delete(request))
  }
  const count = (topics: string[]) => {
    for (const topic of topics) outcome.perTopic[topic] = (outcome.perTopic[topic] ?? 0) + 1
  }
  return {
    outcome,
    send(topics) {
      const ts = Date.now()
      const like = (n: number) => `{"like":{"user":"u${n % 100_000}","reaction":"like"},"ts":${ts}}`
      if (route.style === 'nchan') {
        // nchan publishes the body as the message: the whole event, as the Node baselines frame it
        for (const topic of topics) {
          const n = ++id
          const body = `{"topic":${JSON.stringify(topic)},"id":"${n}","data":${like(n)}}`
          post(
            `${url.pathname}?topic=${topic}`,
            body,
            () => {
              outcome.batches++
              count([topic])
            },
            () => outcome.failed++,
          )
        }
        return
      }
      for (let from = 0; from < topics.length; from += MAX_BATCH) {
        const chunk = topics.slice(from, from + MAX_BATCH)
        const events = chunk.map((topic) => `{"topic":${JSON.stringify(topic)},"data":${like(++id)}}`)
        post(
          url.pathname,
          `{"events":[${events.join(',')}]}`,
          () => {
            outcome.batches++
            count(chunk)
          },
          () => {
            outcome.failed += chunk.length
          },
        )
      }
    },
  }
}

/** Every route at `ratePerSec` for `durationMs` (catching up if a tick ran late); resolves when all answered. */
function run(plan: PublishPlan): Promise<PublisherReport> {
  const inFlight = new Set<Promise<void>>()
  const senders = plan.routes.map((route) => sender(route, inFlight))
  const next = plan.routes.map(() => 0)
  let sent = 0
  const cpuAtStart = process.cpuUsage()
  const startedAt = performance.now()
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = Math.min(performance.now() - startedAt, plan.durationMs)
      const due = Math.floor((plan.ratePerSec * elapsed) / 1000) - sent
      if (due > 0) {
        sent += due
        plan.routes.forEach((route, index) => {
          const topics: string[] = []
          for (let i = 0; i < due; i++) topics.push(route.topics[next[index]!++ % route.topics.length]!)
          senders[index]!.send(topics)
        })
      }
      if (elapsed < plan.durationMs) return
      clearInterval(timer)
      const elapsedMs = performance.now() - startedAt
      void Promise.all(inFlight).then(() => {
        const cpu = process.cpuUsage(cpuAtStart)
        resolve({
          type: 'published',
          outcomes: senders.map((s) => ({ ...s.outcome, elapsedMs })),
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        })
      })
    }
    const timer = setInterval(tick, plan.tickMs)
    tick()
  })
}

process.on('message', async (message: { type: string; plan?: PublishPlan }) => {
  if (message.type === 'publish' && message.plan) process.send?.(await run(message.plan))
  else if (message.type === 'close') process.exit(0)
})
process.on('disconnect', () => process.exit(0))
process.send?.({ type: 'ready' })
