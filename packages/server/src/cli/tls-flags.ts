import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { type Command, Option } from 'commander'
import type { TlsOptions } from '../http/tls'

export interface TlsFlags {
  tlsCert?: string
  tlsKey?: string
}

/** `--tls-cert` and `--tls-key`, on the roles that hold streams (standalone, frontend). */
export function tlsOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--tls-cert <file>',
        'serve HTTPS with this PEM certificate (chain): HTTP/2, with HTTP/1.1 for clients without it; needs --tls-key',
      ).env('LIKEWIRE_TLS_CERT'),
    )
    .addOption(new Option('--tls-key <file>', 'the PEM private key of --tls-cert').env('LIKEWIRE_TLS_KEY'))
}

/** The certificate and key read and checked now: a bad one refuses to start with one line naming the flag. */
export function tlsFlags(flags: TlsFlags): TlsOptions | undefined {
  const { tlsCert, tlsKey } = flags
  if (!tlsCert && !tlsKey) return undefined
  if (!tlsCert || !tlsKey)
    throw new Error('--tls-cert and --tls-key go together: give both for HTTPS, or neither for plain HTTP')
  const tls = { cert: readPem(tlsCert, 'tls-cert'), key: readPem(tlsKey, 'tls-key') }
  try {
    createSecureContext(tls)
  } catch (error) {
    throw new Error(
      `--tls-cert ${JSON.stringify(tlsCert)} and --tls-key ${JSON.stringify(tlsKey)} are not a usable PEM certificate and key: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return tls
}

/** A file a flag names, read now: a missing or unreadable one refuses to start with one line naming the flag. */
export function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : error instanceof Error
              ? error.message
              : String(error)
    throw new Error(`--${flag}: cannot read ${JSON.stringify(path)}: ${reason}`)
  }
}
