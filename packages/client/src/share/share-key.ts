import type { ResolvedOptions } from '../options'

/**
 * The default share key: the URLs, the headers and the `getToken` token resolved now, so tabs with other
 * credentials never share (a key of their own: another channel, another leader).
 */
export async function defaultShareKey(opts: ResolvedOptions): Promise<string> {
  const [headers, token] = await Promise.all([opts.getHeaders(), opts.getToken?.()])
  return JSON.stringify([opts.urls, Object.entries(headers).sort(), token ?? null])
}
