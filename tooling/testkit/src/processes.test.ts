import { connect } from 'node:net'
import { expect, it } from 'vitest'
import { freePort } from './ports'
import { spawnProcess } from './processes'

const node = (script: string): [string, string[]] => [process.execPath, ['-e', script]]

it('resolves at the ready line, keeps stdout and stderr, and finds later lines with waitForLine', async () => {
  const [cmd, args] = node(`
    console.error('warming up')
    setTimeout(() => console.log('ready on port 1234'), 50)
    process.on('SIGTERM', () => { console.log('bye'); process.exit(0) })
    setInterval(() => {}, 1000)
  `)
  const child = await spawnProcess(cmd, args, { name: 'ticker', ready: /ready on port (\d+)/ })
  expect((await child.waitForLine(/ready on port (\d+)/))[1]).toBe('1234')
  expect(child.output()).toContain('warming up')
  await child.stop()
  expect(child.output()).toContain('bye')
  expect(await child.exited).toEqual({ code: 0, signal: null })
})

it('a process that exits before its ready line fails the start with everything it printed', async () => {
  const [cmd, args] = node(`console.error('bad flag --nope'); process.exit(3)`)
  await expect(spawnProcess(cmd, args, { name: 'broken', ready: /listening/ })).rejects.toThrow(
    /broken exited \(code 3\) before printing \/listening\/:\nbad flag --nope/,
  )
})

it('a ready line that never comes fails the start, and the process is killed', async () => {
  const port = await freePort()
  const [cmd, args] = node(`require('node:net').createServer().listen(${port}, '127.0.0.1')`)
  const start = spawnProcess(cmd, args, { name: 'silent', ready: /listening/, readyTimeoutMs: 300 })
  await expect(start).rejects.toThrow(/^silent did not print \/listening\/ within 300 ms:/)
  // the start awaited its exit: nothing holds the port any more
  await expect(
    new Promise((resolve, reject) =>
      connect(port, '127.0.0.1', () => resolve('connected')).on('error', reject),
    ),
  ).rejects.toThrow(/ECONNREFUSED/)
})

it('stop() escalates to SIGKILL when the process ignores SIGTERM', async () => {
  const [cmd, args] = node(`process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)`)
  const child = await spawnProcess(cmd, args, { ready: /up/ })
  await child.stop('SIGTERM', 200)
  expect((await child.exited).signal).toBe('SIGKILL')
})

it('a command that does not exist fails with its error in the message', async () => {
  await expect(spawnProcess('no-such-command-likewire', [], { ready: /x/ })).rejects.toThrow(/ENOENT/)
})
