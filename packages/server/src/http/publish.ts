import type { Context } from 'hono'
import { assertBearer } from '../auth/bearer'
import type { Dispatcher } from '../dispatcher/dispatcher'
import { parsePublishBody } from '../dispatcher/publish-input'
import type { Core } from '../node/core'
import { readJsonMeasured } from './body'
import { sendJson } from './json-response'

/** `POST /v1/publish`: one event or a batch; 202 once every subscribed node has been handed it. */
export function publishHandler(core: Core, dispatcher: Dispatcher) {
  return async (c: Context) => {
    assertBearer(c, core.options.apiKey, 'API key')
    const body = await readJsonMeasured(c, core.options.maxRequestBytes)
    const publishes = parsePublishBody(
      body.value,
      core.options.maxPayloadBytes,
      core.options.maxBatchSize,
      body.depth,
    )
    const ids = await dispatcher.publish(publishes)
    return sendJson(c, 202, { ids })
  }
}
