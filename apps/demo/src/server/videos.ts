/** A live video on the demo's stage. A static catalog: the demo is about the interactions, not the media. */
export interface Video {
  id: string
  title: string
  host: string
  /** Accent colour of the generated "camera feed" and of the list thumbnail. */
  color: string
  /** When the stream went live (ms since epoch). */
  startedAt: number
}

/** The talk's red and green live videos, plus one more so the list feels like a product. */
export function defaultVideos(now: number = Date.now()): Video[] {
  const minutes = 60_000
  return [
    {
      id: 'red',
      title: 'Streaming a million likes per second',
      host: 'Real-Time Platform team',
      color: '#e0473e',
      startedAt: now - 23 * minutes,
    },
    {
      id: 'green',
      title: 'Presence at scale: the green dot',
      host: 'Messaging infra',
      color: '#2fa36b',
      startedAt: now - 7 * minutes,
    },
    {
      id: 'blue',
      title: 'Ask me anything: Server-Sent Events',
      host: 'Developer relations',
      color: '#3b6fd8',
      startedAt: now - 41 * minutes,
    },
  ]
}
