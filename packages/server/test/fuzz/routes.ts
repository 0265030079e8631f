import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { metric, type Running, startLikewire } from '../helpers'
import { anythingCases, bodyCases, connectCases } from './blocks'
import { check } from './checks'
import { historyCaseArb } from './history-cases'
import { send } from './http'
import type { Context } from './oracle'
import {
  type Config,
  documented,
  type FuzzCase,
  MARKER_EVERY,
  REQUEST_CEILING_MS,
  SEED,
  WITNESS_TOPIC,
} from './setup'
import { Witness } from './witness'

/**
 * The seeded fuzz of every public route on one server configuration: no 5xx, documented error codes and
 * statuses, documented success shapes, answers the protocol makes certain; meanwhile a witness stream gets
 * exactly its events, the streams the fuzz addressed by id stay whole, and at the end no stream is left behind.
 */
export function fuzzRoutes(config: Config): void {
  describe(`fuzz of every public route (${config.name})`, () => {
    let running: Running
    let witness: Witness
    let cases = 0
    const ctx = {} as Context
    const planned = Object.values(config.runs).reduce((a, b) => a + b, 0)

    beforeAll(async () => {
      running = await startLikewire(config.options)
      witness = await Witness.open(running, config)
      Object.assign(ctx, {
        running,
        config,
        nodeId: witness.nodeId,
        realIds: witness.realIds,
        epochs: witness.epochs,
        seen: new Map(),
        opened: new Map(),
        published: (events, ids) => witness.published(events, ids),
      } satisfies Context)
    })
    afterAll(async () => {
      if (process.env.FUZZ_VERBOSE) console.log(config.name, Object.fromEntries([...ctx.seen].sort()))
      witness?.close()
      await running?.close()
    })

    /** Sends one case and checks the answer; every MARKER_EVERY cases a marker goes to the witness in-process. */
    async function run(c: FuzzCase): Promise<void> {
      // the fuzz never publishes to the witness's fire-and-forget topic (its history topic it does)
      fc.pre(!(c.req.body?.includes(WITNESS_TOPIC) ?? false))
      if (++cases % MARKER_EVERY === 0) await witness.marker(cases)
      check(ctx, c, await send(new URL(running.url), c.req, REQUEST_CEILING_MS))
    }

    const base = (runs: number) => ({
      seed: SEED,
      numRuns: runs,
      // failing cases carry up to 256 KiB bodies: print them summarized, shrink only when asked
      endOnFailure: !process.env.FUZZ_SHRINK,
    })

    it('POST /v1/subscribe, /v1/unsubscribe and /v1/publish with hostile JSON bodies', async () => {
      await fc.assert(fc.asyncProperty(bodyCases(ctx), run), base(config.runs.bodies))
    }, 300_000)

    it('GET /v1/connect with odd topic queries and headers', async () => {
      const { arbitrary, examples } = connectCases(ctx)
      await fc.assert(fc.asyncProperty(arbitrary, run), { ...base(config.runs.connect), examples })
    }, 300_000)

    it('any method, path, headers and body, down to hand-written bytes', async () => {
      await fc.assert(fc.asyncProperty(anythingCases(ctx), run), base(config.runs.anything))
    }, 300_000)

    it('resume, rewind, Last-Event-ID and keys, valid and not, on history and other topics', async () => {
      await fc.assert(fc.asyncProperty(historyCaseArb(ctx), run), base(config.runs.history))
    }, 300_000)

    it('the witness got exactly its events; the victims are whole; no connection leaked; the node is healthy', async () => {
      // every case ran (none skipped), and each 50th sent a marker
      expect(cases).toBeGreaterThanOrEqual(planned)
      await witness.verify(cases, MARKER_EVERY)
      // the streams the fuzz addressed by id are still open and every frame they got is well formed
      witness.verifyVictims()
      // every stream the fuzz opened is gone once closed: only the witness and its topics are left
      await vi.waitFor(
        async () => {
          const lingering = [...ctx.opened].filter(([id]) => running.lw.frontend.find(id)).map(([, s]) => s)
          expect(lingering, 'streams the client closed, still held by the node').toEqual([])
          expect(await metric(running.lw, 'likewire_connections')).toBe(1)
          expect(await metric(running.lw, 'likewire_subscriptions')).toBe(witness.topics.length)
          expect(await metric(running.lw, 'likewire_topics')).toBe(witness.topics.length)
        },
        { timeout: 10_000 },
      )
      const health = await fetch(`${running.url}/healthz`)
      expect(health.status).toBe(200)
      expect(((await health.json()) as { status: string }).status).toBe('ok')
      // every code the fuzz saw is in the Errors table of docs/protocol.md
      const seen = [...ctx.seen.keys()].filter((k) => k.startsWith('code ')).map((k) => k.slice(5))
      expect(seen.length).toBeGreaterThan(5)
      expect(seen.filter((code) => !documented.has(code))).toEqual([])
      // the protocol-certain answers were checked, not skipped
      expect(ctx.seen.get('answer known from the protocol') ?? 0).toBeGreaterThan(config.runs.history / 2)
    }, 60_000)
  })
}
