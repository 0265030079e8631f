import { freePort } from '@likewire/testkit'
import { createDispatcherNode, type DispatcherNodeOptions } from '../../src/cluster/dispatcher-node'
import {
  createFrontendNode,
  type FrontendNode,
  type FrontendNodeOptions,
} from '../../src/cluster/frontend-node'
import { type Listening, listen } from '../../src/http/listen'

export const SECRET = 'test-secret'

export interface Served<T> {
  node: T
  url: string
  close(): Promise<void>
}

/** An in-process cluster frontend node on a free port. */
export async function frontendNode(
  redis: string,
  options: Partial<FrontendNodeOptions> = {},
): Promise<Served<FrontendNode>> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const node = await createFrontendNode({
    redis,
    secret: SECRET,
    internalUrl: url,
    logLevel: 'silent',
    processMetrics: false,
    ...options,
  })
  const listening: Listening = await listen(node.app, { port })
  return {
    node,
    url,
    close: async () => {
      await node.close()
      await listening.close()
    },
  }
}

/** An in-process dispatcher node on a free port. */
export async function dispatcherNode(redis: string, options: Partial<DispatcherNodeOptions> = {}) {
  const node = await createDispatcherNode({
    redis,
    secret: SECRET,
    logLevel: 'silent',
    processMetrics: false,
    ...options,
  })
  const listening = await listen(node.app, { port: 0 })
  return {
    node,
    url: listening.url,
    close: async () => {
      await node.close()
      await listening.close()
    },
  }
}
