// One tab of the tabs benchmark: starts @likewire/client as an app's page would (sharing on by default), and
// records what it gets for the driver to read. Plain JS: it is served as is, never through the bench's tsx.
import { createClient } from '/client.js'

/** @type {{ url: string, share: boolean, topics: string[] }} */
const config = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}')

const record = {
  /** Date.now() just before the client starts (the page and client.js are loaded). */
  startedAt: Date.now(),
  visibility: document.visibilityState,
  /** [at, status, reason] per state change. */
  states: [],
  /** topic -> Date.now() of its acknowledgement. */
  acks: {},
  /** topic -> events received. */
  counts: {},
  firstEventAt: 0,
  /** History events, flat: offset, ts (the dispatcher's stamp), Date.now() at receipt, ... */
  history: [],
  gaps: 0,
  errors: [],
}

const client = createClient({
  url: config.url,
  ...(config.share ? {} : { share: false }),
  onError: (error) => record.errors.push(String(error)),
})
client.onStateChange(({ newState }) => record.states.push([Date.now(), newState.status, newState.reason]))
for (const topic of config.topics) {
  client.subscribe(
    topic,
    (event) => {
      const at = Date.now()
      if (!record.firstEventAt) record.firstEventAt = at
      record.counts[topic] = (record.counts[topic] ?? 0) + 1
      if (event.position) record.history.push(event.position.offset, event.ts, at)
    },
    {
      onSubscribed: () => {
        record.acks[topic] ??= Date.now()
      },
      onGap: () => {
        record.gaps++
      },
    },
  )
}

/** What the driver reads: everything but the history, and the history from entry `from` on. */
window.benchRead = (from) => ({
  ...record,
  state: [client.state.status, client.state.reason],
  history: record.history.slice(from * 3),
})
