import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Certificate {
  /** PEM files in a temporary directory of their own (what `--tls-cert` / `--tls-key` take). */
  certFile: string
  keyFile: string
  /** The same PEM text (what `listen(target, { tls })` and a client's `ca` take). */
  cert: string
  key: string
  /** Deletes the directory. */
  remove(): void
}

/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, valid one day, made by the system's openssl
 * (tooling/scripts/system-deps.sh installs it): a P-256 key, so it is made in milliseconds.
 */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'likewire-cert-'))
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  try {
    // argv, not a shell line: the temporary path is never parsed by a shell
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)
    throw new Error(
      `openssl could not make a test certificate (run tooling/scripts/system-deps.sh): ${reason}`,
    )
  }
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
