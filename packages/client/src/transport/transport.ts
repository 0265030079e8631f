/** What a transport hands back for a streamed GET. Called in order: response, chunks, then end once. */
export interface StreamHandlers {
  /**
   * The answer arrived: for 200 its status line (chunks follow), for any other status the whole body too
   * (an error's JSON, which names its code). The client may abort here (e.g. on 401).
   */
  onResponse(status: number, body?: string): void
  /** Decoded text, as it arrives; may be '' when only part of a character arrived. */
  onChunk(text: string): void
  /** The stream is over: cleanly (no error) or not. Never called after abort. */
  onEnd(error?: unknown): void
  /**
   * The transport holds more than its bound of response text (XMLHttpRequest keeps all of it): the
   * client should replace the stream. Streaming goes on until abort. Called at most once per stream.
   */
  onResponseLimit?: (() => void) | undefined
}

export interface HttpResponse {
  status: number
  body: string
}

/** How bytes move: fetch streaming or XMLHttpRequest progress. Adapters translate, nothing more. */
export interface Transport {
  /** Opens a streaming GET; returns the function that aborts it. */
  stream(url: string, headers: Record<string, string>, handlers: StreamHandlers): () => void
  /** A plain POST of a JSON body. Rejects only on network failure, or once `signal` aborts it. */
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<HttpResponse>
}

export type TransportName = 'fetch' | 'xhr'
