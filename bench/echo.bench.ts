import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node-pty'
import WebSocket from 'ws'
import { Engine } from '../core/host/engine'
import { startWebHost } from '../core/host/web/webHost'
import { percentile } from './stats'

// Keypress-to-echo in a shell: through the browser host (WebSocket → dispatcher → node-pty →
// frame → WebSocket) vs node-pty alone, on the same kind of shell, in one run. Keys are typed
// 30 ms apart (fast human typing): output within a frame of the last flush is batched, so
// back-to-back machine input would measure the batching window rather than the path.
const KEYS = 200
const GAP_MS = 30
const SHELL = process.env.SHELL || '/bin/bash'

type Typist = { type(ch: string): Promise<number>; send(data: string): void; close(): Promise<void> }

/** Times a keystroke: write it with `send`, resolve when `seen` is called with output holding it. */
function echoTimer(send: (data: string) => void) {
  let waiting: (() => void) | undefined
  let want = ''
  return {
    seen(output: string) {
      if (waiting && output.includes(want)) waiting()
    },
    type: (ch: string) =>
      new Promise<number>((resolve) => {
        want = ch
        const start = performance.now()
        waiting = () => ((waiting = undefined), resolve(performance.now() - start))
        send(ch)
      }),
  }
}

async function directPty(): Promise<Typist> {
  const pty = spawn(SHELL, [], { name: 'xterm-256color', cols: 120, rows: 30, env: { ...process.env, PS1: '$ ' } as Record<string, string> })
  const timer = echoTimer((data) => pty.write(data))
  pty.onData((data) => timer.seen(data))
  await new Promise((r) => setTimeout(r, 500))
  return {
    type: timer.type,
    send: (data) => pty.write(data),
    close: async () => pty.kill(),
  }
}

async function viaHost(): Promise<Typist> {
  const staticDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
  const engine = await Engine.create({})
  const host = await startWebHost({ engine, staticDir, port: 0 })
  const login = await fetch(host.loginUrl(), { redirect: 'manual' })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}/ws`, { headers: { cookie, origin: host.url } })
  await new Promise((resolve) => ws.once('open', resolve))
  let terminalId = ''
  let n = 2
  const send = (data: string) => ws.send(JSON.stringify({ id: n++, method: 'terminals.write', params: { terminalId, data } }))
  const timer = echoTimer(send)
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as { id?: number; result?: { terminalId: string }; event?: string; payload?: { data: string } }
    if (message.id === 1) terminalId = message.result!.terminalId
    if (message.event === 'terminals.data') timer.seen(message.payload!.data)
  })
  ws.send(JSON.stringify({ id: 1, method: 'terminals.open', params: { kind: 'shell', cols: 120, rows: 30 } }))
  await new Promise((r) => setTimeout(r, 700))
  return {
    type: timer.type,
    send,
    close: async () => {
      ws.close()
      await host.close()
      await engine.close()
      rmSync(staticDir, { recursive: true, force: true })
    },
  }
}

export async function echoBench(): Promise<string[]> {
  const direct = await directPty()
  const hosted = await viaHost()
  const d: number[] = []
  const h: number[] = []
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  for (let i = 0; i < KEYS; i++) {
    const ch = letters[i % 26]!
    await new Promise((r) => setTimeout(r, GAP_MS))
    // Alternate which path goes first, so machine noise hits both alike.
    if (i % 2) {
      d.push(await direct.type(ch))
      h.push(await hosted.type(ch))
    } else {
      h.push(await hosted.type(ch))
      d.push(await direct.type(ch))
    }
    if (i % 26 === 25) {
      // Ctrl-U clears the line before it wraps (it echoes no character, so nothing to wait for).
      direct.send('\u0015')
      hosted.send('\u0015')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  await direct.close()
  await hosted.close()
  const f = (v: number[], p: number) => percentile(v, p).toFixed(2)
  return [
    `echo: ${KEYS} keystrokes into ${SHELL}, ${GAP_MS} ms apart, keypress → echo`,
    `  node-pty alone        p50 ${f(d, 50)} ms  p99 ${f(d, 99)} ms`,
    `  via the browser host  p50 ${f(h, 50)} ms  p99 ${f(h, 99)} ms  (added p50 ${(percentile(h, 50) - percentile(d, 50)).toFixed(2)} ms, ratio ${(percentile(h, 50) / percentile(d, 50)).toFixed(2)})`,
  ]
}
