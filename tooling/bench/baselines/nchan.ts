import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@likewire/testkit'
import { treeStats } from '../lib/process-tree'
import { terminate, waitAnswering } from '../lib/spawn'
import type { ServerStats } from '../server/protocol'
import type { ServerHandle } from '../server/servers'

const NGINX = '/usr/sbin/nginx'
const MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so'
const systemDeps = fileURLToPath(new URL('../../scripts/system-deps.sh', import.meta.url))
/** The per-process open-file cap here (a worker holds its share of the subscribers). */
const WORKER_FILES = 20_000

/** Debian's nginx-light and libnginx-mod-nchan, installed by the test command's system step when missing. */
export function ensureNchan(): void {
  if (existsSync(NGINX) && existsSync(MODULE)) return
  const run = spawnSync('bash', [systemDeps], { stdio: 'inherit' })
  if (run.status !== 0 || !existsSync(NGINX) || !existsSync(MODULE))
    throw new Error('nchan needs nginx-light and libnginx-mod-nchan (tooling/scripts/system-deps.sh)')
}

/**
 * nginx's pub/sub module (C), the strongest peer: its own config in a temp folder, on a free port,
 * `worker_processes` the cores given to Likewire (`reuseport`: the kernel spreads the subscribers). Same URL
 * as Likewire: `GET /v1/connect?topics=<topic>` is an EventSource subscriber of channel `<topic>`; publishes
 * go to nchan's HTTP publisher at `POST /v1/publish?topic=<topic>` (the body is the message, sent as is). nchan reads `$arg_` undecoded: topics go unescaped (the bench's are `live:<n>`).
 */
export function nchanConfig(dir: string, port: number, workers: number): string {
  return `load_module ${MODULE};
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes ${workers};
worker_rlimit_nofile ${WORKER_FILES};
pid ${dir}/nginx.pid;
error_log stderr error;
events { worker_connections ${WORKER_FILES - 100}; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  nchan_shared_memory_size 256m;
  server {
    listen 127.0.0.1:${port} backlog=4096 reuseport;
    location = /v1/connect {
      nchan_subscriber eventsource;
      nchan_channel_id $arg_topics;
    }
    location = /v1/publish {
      nchan_publisher;
      nchan_channel_id $arg_topic;
      nchan_message_buffer_length 10;
      nchan_message_timeout 60s;
    }
    location = /nchan_status { nchan_stub_status; }
  }
}
`
}

export async function startNchan(workers: number): Promise<ServerHandle> {
  ensureNchan()
  const dir = mkdtempSync(join(tmpdir(), 'bench-nchan-'))
  mkdirSync(join(dir, 'body'))
  const port = await freePort()
  writeFileSync(join(dir, 'nginx.conf'), nchanConfig(dir, port, workers))
  const errorLines: string[] = []
  const child = spawn(
    NGINX,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n').filter(Boolean)) {
      process.stderr.write(`  nchan| ${line}\n`)
      if (/\[(error|crit|alert|emerg)\]/.test(line)) errorLines.push(line)
    }
  })
  const base = `http://127.0.0.1:${port}`
  await waitAnswering(child, `${base}/nchan_status`, 'nginx', 10_000)
  const handle: ServerHandle = {
    label: 'nchan0',
    port,
    child,
    errorLines,
    publishTo: { url: `${base}/v1/publish`, style: 'nchan' },
    // a channel's info counts the subscribers of one nginx worker only: owed comes from the clients' plan
    countsTopics: false,
    async stats(): Promise<ServerStats> {
      const status = await text(`${base}/nchan_status`)
      const subscribers = Number(/subscribers: (\d+)/.exec(status)?.[1] ?? 0)
      return treeStats(child.pid!, subscribers)
    },
    async close() {
      await terminate(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return handle
}

const text = async (url: string) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  return response.text()
}
