import { openStream, type Stream } from '@likewire/testkit'
import { expect, vi } from 'vitest'
import type { Running } from '../helpers'
import type { PublishedEvent } from './oracle'
import { type Config, HISTORY_WITNESS, hasHistory, WITNESS_TOPIC } from './setup'

type Positioned = { topic: string; id: string; data: unknown; pos?: { epoch: string; offset: number } }
const controls = (s: Stream, name: string) =>
  s.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as Record<string, unknown>)
const EPOCH = /^[A-Za-z0-9_-]{1,32}$/
const witnessTopics = (config: Config) =>
  config.history ? [WITNESS_TOPIC, HISTORY_WITNESS] : [WITNESS_TOPIC]

/**
 * The streams that must come through the fuzz unharmed. The witness (its id never handed to the fuzz) gets
 * markers on a fire-and-forget topic and, with history rules, every event of a history topic the fuzz
 * publishes to as well: each once, at consecutive positions. The victims are streams the fuzz may address
 * by their real connectionId: they stay open and every frame they get is well formed.
 */
export class Witness {
  private readonly markers: number[] = []
  /** Ids of the history witness topic's events, in the order they were accepted (a retry's only once). */
  private readonly historyIds: string[] = []
  private readonly knownIds = new Set<string>()

  private constructor(
    private readonly running: Running,
    private readonly config: Config,
    readonly stream: Stream,
    readonly victims: Stream[],
    readonly nodeId: string,
    /** Epochs the history topics have, for positions the fuzz sends back. */
    readonly epochs: string[],
  ) {}

  /** The topics the witness holds: what the node must still hold once the fuzz's streams are gone. */
  get topics(): string[] {
    return witnessTopics(this.config)
  }

  static async open(running: Running, config: Config): Promise<Witness> {
    const connect = async (query: string) => {
      const s = await openStream(`${running.url}/v1/connect${query}`)
      await vi.waitFor(() => s.connectionId())
      return s
    }
    const epochs: string[] = []
    if (config.history) {
      // the pool's other history topics tell where they start: their epochs, for the fuzz to resume from
      const probe = await connect('?topics=h:1,h:2')
      await vi.waitFor(() => expect(controls(probe, 'likewire.position')).toHaveLength(2))
      epochs.push(...controls(probe, 'likewire.position').map((p) => p.epoch as string))
      probe.close()
    }
    const witness = await connect(`?topics=${encodeURIComponent(witnessTopics(config).join(','))}`)
    if (config.history) {
      await vi.waitFor(() => expect(controls(witness, 'likewire.position')).toHaveLength(1))
      epochs.push(controls(witness, 'likewire.position')[0]!.epoch as string)
    }
    const victims = [await connect(config.history ? '?topics=h:1' : '?topics=a'), await connect('')]
    const nodeId = JSON.parse(witness.events[0]!.data).nodeId
    return new Witness(running, config, witness, victims, nodeId, [...new Set(epochs)])
  }

  get realIds(): string[] {
    return this.victims.map((v) => v.connectionId())
  }

  /** A marker, published in-process between cases: to the witness's topic, and to its history topic. */
  async marker(n: number): Promise<void> {
    this.markers.push(n)
    await this.running.lw.publish(WITNESS_TOPIC, { marker: n })
    if (this.config.history) this.accepted((await this.running.lw.publish(HISTORY_WITNESS, { marker: n })).id)
  }

  /** An accepted publish of the fuzz: its events on the history witness topic are due to the witness. */
  published(events: PublishedEvent[], ids: string[]): void {
    events.forEach((event, i) => {
      if (event.topic === HISTORY_WITNESS && hasHistory(this.config, event.topic)) this.accepted(ids[i]!)
    })
  }

  private accepted(id: string): void {
    // a retried key answers the first record's id: that event is not delivered again
    if (this.knownIds.has(id)) return
    this.knownIds.add(id)
    this.historyIds.push(id)
  }

  /** The witness got exactly its events: each marker once, in order, and on history each event once, no hole. */
  async verify(cases: number, markerEvery: number): Promise<void> {
    const { stream } = this
    expect(this.markers.length).toBe(Math.floor(cases / markerEvery))
    const on = (topic: string) => (stream.data() as Positioned[]).filter((e) => e.topic === topic)
    await vi.waitFor(
      () => {
        expect(on(WITNESS_TOPIC).length).toBeGreaterThanOrEqual(this.markers.length)
        expect(on(HISTORY_WITNESS).length).toBeGreaterThanOrEqual(this.historyIds.length)
      },
      { timeout: 5_000 },
    )
    // each marker once, in order, and nothing else: no forged frame, no other topic
    expect(on(WITNESS_TOPIC).map((e) => e.data)).toEqual(this.markers.map((m) => ({ marker: m })))
    expect(stream.data().filter((e) => !this.topics.includes(e.topic))).toEqual([])
    expect(new Set(stream.data().map((e) => e.id)).size).toBe(stream.data().length)
    expect(stream.ended).toBe(false)
    const events = stream.events.filter((e) => e.event !== undefined).map((e) => e.event)
    if (!this.config.history) {
      expect(events).toEqual(['likewire.connected'])
      return
    }
    // history: told where it starts, then every accepted event once, at consecutive offsets, never a gap
    expect(events).toEqual(['likewire.connected', 'likewire.position'])
    const start = controls(stream, 'likewire.position')[0]!
    const history = on(HISTORY_WITNESS)
    expect(history.map((e) => e.id)).toEqual(this.historyIds)
    expect(history.map((e) => e.pos)).toEqual(
      history.map((_, i) => ({ epoch: start.epoch, offset: (start.offset as number) + i + 1 })),
    )
    const ids = stream.events.filter((e) => e.event === undefined && JSON.parse(e.data).pos).map((e) => e.id)
    expect(ids).toEqual(history.map((e) => `${e.pos!.epoch}:${e.pos!.offset}`))
    expect(this.historyIds.length).toBeGreaterThan(this.markers.length) // the fuzz's own publishes got there
    await this.historyAgrees(history.slice(-3))
  }

  /** What history keeps is what went out live: a late joiner's rewind, a browser's Last-Event-ID resume. */
  private async historyAgrees(tail: Positioned[]): Promise<void> {
    const { url } = this.running
    const before = `${tail[0]!.pos!.epoch}:${tail[0]!.pos!.offset - 1}`
    const rewound = await openStream(
      `${url}/v1/connect?topics=${HISTORY_WITNESS}&rewind=${HISTORY_WITNESS}~3`,
    )
    // the stream's one history topic resumes from the browser's last position
    const resumed = await openStream(`${url}/v1/connect?topics=${HISTORY_WITNESS},a`, {
      'Last-Event-ID': before,
    })
    try {
      for (const s of [rewound, resumed])
        await vi.waitFor(() =>
          expect((s.data() as Positioned[]).map((e) => [e.id, e.pos])).toEqual(
            tail.map((e) => [e.id, e.pos]),
          ),
        )
      expect(controls(rewound, 'likewire.position')).toEqual([
        { topic: HISTORY_WITNESS, ...tail[0]!.pos!, offset: tail[0]!.pos!.offset - 1 },
      ])
      expect(controls(resumed, 'likewire.gap')).toEqual([])
    } finally {
      rewound.close()
      resumed.close()
    }
  }

  /** The victims are still open, and every frame they got is well formed; then they are closed. */
  verifyVictims(): void {
    if (process.env.FUZZ_VERBOSE)
      for (const v of this.victims)
        console.log(
          v.events
            .map((e) => e.event ?? (e.id ? 'history' : 'data'))
            .join(' ')
            .slice(0, 3000),
        )
    const allowed = this.config.history
      ? ['likewire.connected', 'likewire.position', 'likewire.gap']
      : ['likewire.connected']
    for (const victim of this.victims) {
      expect(victim.ended).toBe(false)
      for (const e of victim.events) {
        if (e.event !== undefined) {
          expect(allowed).toContain(e.event)
          if (e.event !== 'likewire.connected') checkHistoryFrame(this.config, e.event, JSON.parse(e.data))
          continue
        }
        const event = JSON.parse(e.data)
        if (hasHistory(this.config, event.topic)) {
          // a history event carries its position, and the position is its SSE id (what Last-Event-ID sends back)
          expect(Object.keys(event).sort()).toEqual(['data', 'id', 'pos', 'topic', 'ts'])
          expect(e.id).toBe(`${event.pos.epoch}:${event.pos.offset}`)
          expect(Number.isSafeInteger(event.pos.offset) && event.pos.offset > 0).toBe(true)
        } else {
          expect(Object.keys(event).sort()).toEqual(['data', 'id', 'topic', 'ts'])
          // fire-and-forget events carry no SSE id line (only history events do: their position)
          expect(e.id).toBeUndefined()
        }
        expect([typeof event.topic, typeof event.id, typeof event.ts]).toEqual(['string', 'string', 'number'])
      }
      victim.close()
    }
  }

  close(): void {
    this.stream.close()
    for (const v of this.victims) v.close()
  }
}

/** A position or gap frame: on a history topic, a position in a real epoch; embedded history never fails a read. */
function checkHistoryFrame(config: Config, event: string, frame: Record<string, unknown>): void {
  expect(hasHistory(config, frame.topic)).toBe(true)
  if (event === 'likewire.gap') {
    expect(Object.keys(frame).sort()).toEqual(['epoch', 'offset', 'reason', 'topic'])
    expect(['expired', 'epoch']).toContain(frame.reason)
  } else expect(Object.keys(frame).sort()).toEqual(['epoch', 'offset', 'topic'])
  expect(frame.epoch).toMatch(EPOCH)
  expect(Number.isSafeInteger(frame.offset) && (frame.offset as number) >= 0).toBe(true)
}
