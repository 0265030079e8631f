import { type Command, Option } from 'commander'
import { type JwtOptions, resolveJwtKey } from '../auth/jwt'
import { readPem } from './tls-flags'

export interface JwtFlags {
  jwtSecret?: string
  jwtPublicKey?: string
  jwtIssuer?: string
  jwtAudience?: string
}

/** `--jwt-*`, on the roles that take connects (standalone, frontend): each frontend verifies tokens itself. */
export function jwtOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--jwt-secret <secret>',
        'verify connect tokens as HS256 JWTs with this secret (32 bytes or more; prefer the env variable)',
      ).env('LIKEWIRE_JWT_SECRET'),
    )
    .addOption(
      new Option(
        '--jwt-public-key <file>',
        'verify connect tokens as JWTs with this PEM public key: RS256 (RSA) or ES256 (P-256)',
      ).env('LIKEWIRE_JWT_PUBLIC_KEY'),
    )
    .addOption(
      new Option('--jwt-issuer <iss>', 'the "iss" every token must carry').env('LIKEWIRE_JWT_ISSUER'),
    )
    .addOption(
      new Option('--jwt-audience <aud>', 'the "aud" every token must carry (a comma list: any of them)').env(
        'LIKEWIRE_JWT_AUDIENCE',
      ),
    )
}

/** The `auth` option of those flags, checked now: a bad key refuses to start with one line naming its flag. */
export function jwtFlags(flags: JwtFlags): { jwt: JwtOptions } | undefined {
  const { jwtSecret, jwtPublicKey, jwtIssuer, jwtAudience } = flags
  if (jwtSecret === undefined && jwtPublicKey === undefined) {
    if (jwtIssuer !== undefined || jwtAudience !== undefined)
      throw new Error('--jwt-issuer and --jwt-audience need a key: --jwt-secret or --jwt-public-key')
    return undefined
  }
  if (jwtSecret !== undefined && jwtPublicKey !== undefined)
    throw new Error('--jwt-secret and --jwt-public-key are exclusive: give one of them')
  const audience = jwtAudience?.split(',').map((aud) => aud.trim())
  const jwt: JwtOptions = {
    ...(jwtSecret !== undefined
      ? { secret: jwtSecret }
      : { publicKey: readPem(jwtPublicKey!, 'jwt-public-key').toString('utf8') }),
    issuer: jwtIssuer,
    audience: audience?.length === 1 ? audience[0] : audience,
  }
  try {
    resolveJwtKey(jwt)
  } catch (error) {
    const flag = jwtSecret !== undefined ? '--jwt-secret' : `--jwt-public-key ${JSON.stringify(jwtPublicKey)}`
    const reason = error instanceof Error ? error.message.replace(/^auth\.jwt\.\w+:? ?/, '') : String(error)
    throw new Error(`${flag}: ${reason}`)
  }
  return { jwt }
}
