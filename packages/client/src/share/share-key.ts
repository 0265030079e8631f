import type { ResolvedOptions } from '../options'

/**
 * The default share key: the URLs, the headers and the `getToken` token resolved now, so tabs with other
 * credentials never share (a key of their own: another channel, another leader).
 */
export async function defaultShareKey(opts: ResolvedOptions): Promise<string> {
  const [headers, token] = await Promise.all([opts.getHeaders(), opts.getToken?.()])
  return JSON.stringify([opts.urls, Object.entries(headers).sort(), token ?? null])
}

let warned = false

/**
 * `getToken` with shared tabs and no `share.key`: the default key holds the first token a tab got, so tabs
 * whose tokens differ never share, and a tab whose signed-in user changes keeps the first user's key: it
 * goes on sharing that user's stream (the leader's credentials serve every tab of a key). Said once a page.
 */
export function warnKeylessTokens(): void {
  if (warned) return
  warned = true
  console.warn(
    '[likewire] getToken with shared tabs and no share.key: tabs are grouped by the first token each got, ' +
      "so tabs with different tokens never share, and a tab whose user changes stays in the first user's " +
      "group, sharing that user's stream. Set share: { key: userId } (and create a new client when the " +
      'user changes), or share: false.',
  )
}
