import type { Target } from '../load/protocol'
import type { ServerKind } from '../server/protocol'

/**
 * Where the clients connect: per topic and frontend (connection i takes target i mod targets), or with
 * `everyTopic` one target per frontend naming all its topics.
 */
export function fanoutTargets(
  plan: { kind: ServerKind; topics: number; everyTopic?: boolean | undefined },
  ports: number[],
  topicName: (frontend: number, topic: number) => string,
): Target[] {
  const host = '127.0.0.1'
  if (plan.everyTopic && plan.kind !== 'socketio')
    return ports.map((port, index) => {
      const topics = Array.from({ length: plan.topics }, (_, topic) => topicName(index, topic))
      return { host, port, path: `/v1/connect?topics=${topics.join(',')}` }
    })
  const targets: Target[] = []
  for (let topic = 0; topic < plan.topics; topic++) {
    for (const [index, port] of ports.entries()) {
      const name = topicName(index, topic)
      targets.push(
        plan.kind === 'socketio'
          ? { host, port, path: '/socket.io/?EIO=4&transport=websocket', topic: name }
          : {
              host,
              port,
              path: `/v1/connect?topics=${name}`,
              topic: name,
              // nchan sends nothing on subscribe but a comment: its 200 head says subscribed
              ...(plan.kind === 'nchan' ? { readyOnHead: true } : {}),
            },
      )
    }
  }
  return targets
}

/**
 * Clients per topic once every connection is in, as `LoadFleet.open` spreads `count` over `workers`: worker w
 * takes its share of the targets rotated by w, connection j of it the target (j + w) mod targets.
 */
export function clientsPerTopic(targets: Target[], count: number, workers: number): Record<string, number> {
  const per: Record<string, number> = {}
  const each = Math.floor(count / workers)
  for (let w = 0; w < workers; w++) {
    const share = each + (w < count % workers ? 1 : 0)
    for (let j = 0; j < share; j++) {
      const topic = targets[(j + w) % targets.length]!.topic
      if (topic !== undefined) per[topic] = (per[topic] ?? 0) + 1
    }
  }
  return per
}
