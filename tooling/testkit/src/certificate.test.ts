import { existsSync } from 'node:fs'
import { connect, createServer } from 'node:tls'
import { afterEach, expect, it } from 'vitest'
import { type Certificate, selfSignedCertificate } from './certificate'

let certificate: Certificate | undefined
afterEach(() => certificate?.remove())

it('makes a certificate a TLS client trusts for 127.0.0.1 when given it as its CA', async () => {
  certificate = selfSignedCertificate()
  const { cert, key } = certificate
  const server = createServer({ cert, key }, (socket) => socket.end('hello'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  // verified as a browser would: against the CA given, for the IP in the URL (subjectAltName)
  const greeting = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: cert }, () => {
      socket.setEncoding('utf8')
      let text = ''
      socket.on('data', (chunk: string) => {
        text += chunk
      })
      socket.on('end', () => resolve(text))
    })
    socket.on('error', reject)
  })
  server.close()
  expect(greeting).toBe('hello')
  expect(existsSync(certificate.certFile) && existsSync(certificate.keyFile)).toBe(true)
})

it('remove() deletes its files', () => {
  certificate = selfSignedCertificate()
  certificate.remove()
  expect(existsSync(certificate.certFile)).toBe(false)
})
