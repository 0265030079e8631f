import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import {
  type Certificate,
  likewireBin,
  post,
  selfSignedCertificate,
  spawnLikewire,
  startRedis,
} from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { cleanups } from './cluster/cleanup'
import { h2Post, h2Session, h2Stream } from './h2'

function certificate(): Certificate {
  const made = selfSignedCertificate()
  cleanups.push(() => made.remove())
  return made
}

/** The environment without anything that would make a child trust the test's certificate by itself. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, LIKEWIRE_TLS_CERT: __, LIKEWIRE_TLS_KEY: ___, ...rest } = process.env
  return { ...rest, ...extra }
}

describe('likewire standalone|frontend --tls-cert <file> --tls-key <file>', () => {
  it('standalone serves HTTPS: its startup line shows the https URL, streams and publishes share one HTTP/2 session', async () => {
    const cert = certificate()
    const server = await spawnLikewire('standalone', ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile])
    cleanups.push(() => server.stop())
    const url = `https://127.0.0.1:${server.port}`
    expect(server.output()).toContain(`likewire standalone listening on ${url}`)
    // its curl line trusts the certificate, so it works as printed
    await server.waitForLine(/ {2}stream: {2}curl .*\n/)
    expect(server.output()).toContain(`curl --cacert '${cert.certFile}' -N '${url}/v1/connect?topics=demo'`)
    const session = await h2Session(url, cert)
    const streams = [
      h2Stream(session, '/v1/connect?topics=demo'),
      h2Stream(session, '/v1/connect?topics=demo'),
    ]
    for (const s of streams) await vi.waitFor(() => s.connectionId())
    const res = await h2Post(session, '/v1/publish', { topic: 'demo', data: { hello: 'h2' } })
    expect(res.status).toBe(202)
    for (const s of streams) await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))
    expect((session.socket as unknown as { alpnProtocol: string }).alpnProtocol).toBe('h2')
  })

  it('refuses half a pair, an unreadable file or a file that is no certificate with one line naming the flag', () => {
    const cert = certificate()
    const run = (args: string[], extra: Record<string, string> = {}) => {
      const result = spawnSync(process.execPath, [likewireBin(), 'standalone', '--port', '0', ...args], {
        env: env(extra),
        encoding: 'utf8',
        timeout: 15_000,
      })
      return { status: result.status, stderr: result.stderr }
    }
    const line = (text: string) => ({ status: 1, stderr: `likewire: ${text}\n` })
    const pair = '--tls-cert and --tls-key go together: give both for HTTPS, or neither for plain HTTP'
    expect(run(['--tls-cert', cert.certFile])).toEqual(line(pair))
    expect(run([], { LIKEWIRE_TLS_KEY: cert.keyFile })).toEqual(line(pair))
    const missing = `${tmpdir()}/likewire-no-such-dir/cert.pem`
    expect(run(['--tls-cert', missing, '--tls-key', cert.keyFile])).toEqual(
      line(`--tls-cert: cannot read ${JSON.stringify(missing)}: no such file`),
    )
    expect(run(['--tls-cert', cert.certFile, '--tls-key', tmpdir()])).toEqual(
      line(`--tls-key: cannot read ${JSON.stringify(tmpdir())}: it is a directory`),
    )
    // the certificate given as its own key
    const swapped = run(['--tls-cert', cert.certFile, '--tls-key', cert.certFile])
    expect(swapped.status).toBe(1)
    expect(swapped.stderr).toMatch(
      /^likewire: --tls-cert ".+" and --tls-key ".+" are not a usable PEM certificate and key: .+\n$/,
    )
  })

  it('frontend over TLS (from LIKEWIRE_TLS_*): a dispatcher trusting its certificate delivers to it on https, one that does not fails and counts it', async () => {
    const cert = certificate()
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const cluster = ['--redis', redis.url, '--secret', 'tls-test-secret']
    const frontend = await spawnLikewire('frontend', cluster, {
      env: env({ LIKEWIRE_TLS_CERT: cert.certFile, LIKEWIRE_TLS_KEY: cert.keyFile }),
    })
    cleanups.push(() => frontend.stop())
    const url = `https://127.0.0.1:${frontend.port}`
    expect(frontend.output()).toContain(`listening on ${url}`)
    // Node's fetch trusts what NODE_EXTRA_CA_CERTS adds to its CAs, read when the process starts
    const trusting = await spawnLikewire('dispatcher', cluster, {
      env: env({ NODE_EXTRA_CA_CERTS: cert.certFile }),
    })
    const untrusting = await spawnLikewire('dispatcher', cluster, { env: env() })
    cleanups.push(
      () => trusting.stop(),
      () => untrusting.stop(),
    )
    const session = await h2Session(url, cert)
    const stream = h2Stream(session, '/v1/connect?topics=live')
    await vi.waitFor(() => stream.connectionId())

    const refused = await post(`${untrusting.url}/v1/publish`, { topic: 'live', data: 'not delivered' })
    expect(refused.status).toBe(202) // forwarded: a frontend's failure is counted, not answered
    await vi.waitFor(async () => {
      const text = await (await fetch(`${untrusting.url}/metrics`)).text()
      expect(text).toMatch(/likewire_forward_failures_total\{target="frontend"\} 1/)
    })
    const delivered = await post(`${trusting.url}/v1/publish`, { topic: 'live', data: 'over https' })
    await vi.waitFor(() => expect(stream.data().map((e) => e.id)).toEqual(delivered.body.ids))
  }, 60_000)
})
